// @faultline/daemon-server — the ChaosDaemon gRPC service as a library.

// What a daemon app composes
export { createDaemonServer } from "./daemon-server.js";
export type { DaemonServer, DaemonServerOptions, DaemonTlsOptions, DaemonListenAddress } from "./daemon-server.js";
export { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
export type { DaemonHandlers, DaemonMethodName } from "./daemon-handler-registry.js";
export { containerHandlers } from "./container-handlers.js";
export { createDaemonLogger } from "./daemon-logger.js";
export type { DaemonLoggerOptions, DaemonLogFormat } from "./daemon-logger.js";
export { createRpcMetrics } from "./rpc-metrics.js";
export type { RpcMetrics } from "./rpc-metrics.js";
export { NodeCapabilityProbe, dnsInterceptionCapable, httpInterceptionCapable, nodeCapabilityFlags, ioFuseCapabilityName, ioFuseCapabilitiesFound, ioFuseVerdict, iofsRootCheckFound, iofsRootRefusal, nodeCapabilityProbeFor, timeSkewCapabilityName, timeSkewProbeReason, timeSkewVerdict } from "./node-capability-probe.js";
export type { NodeCapabilityProbeOptions } from "./node-capability-probe.js";
export { nodeCapabilityHandlers, registerNodeCapabilityMetrics } from "./node-capability-handlers.js";

// What a chaos kind's daemon handlers use
export { requestLogger } from "./request-context.js";

// For unit tests of a kind's daemon handlers: calling them outside the server
export { callDaemonHandler, createDaemonHandlerContext } from "./daemon-handler-context.js";
export type { DaemonHandlerContextOptions, DaemonLogLine } from "./daemon-handler-context.js";

export { NamespaceProcessRunner, NamespaceProcessError } from "./namespace-process-runner.js";
export type { ProcessSpawner, SpawnRequest, SpawnOutcome } from "./process-spawner.js";
export { nodeProcessSpawner } from "./node-process-spawner.js";
export { SpawnHelper, defaultSpawnHelperBinary } from "./spawn-helper.js";
export type { SpawnHelperOptions } from "./spawn-helper.js";
export type {
  NamespaceKind,
  NamespaceProcessRequest,
  NamespaceProcessResult,
  NamespaceProcessRunnerOptions,
} from "./namespace-process-runner.js";
export { toConnectError } from "./rpc-error-codes.js";
export { iptablesCommands } from "./iptables-commands.js";
export type { IptablesBackend, IptablesCommands } from "./iptables-commands.js";
export { openThrowawayNetworkNamespace } from "./throwaway-network-namespace.js";
export type { ThrowawayNetworkNamespace } from "./throwaway-network-namespace.js";
export { namespacedNameHeader } from "./request-interceptor.js";
export { HostNamespaces, namespaceIdentity } from "./host-namespaces.js";
export type { HostNamespacesOptions, NamespaceIdentity } from "./host-namespaces.js";
