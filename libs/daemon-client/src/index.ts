// @faultline/daemon-client — how the manager reaches the daemons: records → pods → the node's daemon client.

// Records → targets → daemon clients (pods are read through @faultline/selector's PodSource)
export type { DecodedContainer, DecodedPod, RecordDecodeFailure, RecordDecoder } from "./record-decoder.js";
export { containerIdOf, createRecordDecoder, RecordDecodeError } from "./record-decoder.js";
export type { NamespacedObject } from "./namespaced-name.js";
export { namespacedNameOf } from "./namespaced-name.js";
export { namespacedNameHeader } from "@faultline/api";

// Daemon discovery and the client pool
export type { DaemonAddress } from "./daemon-address.js";
export { defaultDaemonPort, formatDaemonAddress, InvalidDaemonAddressError, parseDaemonAddress } from "./daemon-address.js";
export type { DaemonLocator, EndpointSliceDaemonLocatorOptions } from "./daemon-locator.js";
export {
  createEndpointSliceDaemonLocator,
  createStaticDaemonLocator,
  DaemonNotFoundError,
  defaultDaemonServiceName,
  pickDaemonEndpoint,
  serviceNameLabel,
} from "./daemon-locator.js";
export type { ChaosDaemonClient, DaemonClientPool, DaemonClientPoolOptions, DaemonClientTls } from "./daemon-client-pool.js";
export { createDaemonClientPool, daemonServerName } from "./daemon-client-pool.js";
export { createNodeCapabilitiesCache, defaultNodeCapabilitiesTtlMs } from "./node-capabilities-cache.js";

// For unit tests of a kind's manager impl: daemons in memory
export { createInMemoryDaemonClientPool } from "./in-memory-daemon-client-pool.js";
export type { InMemoryDaemonClientPool, InMemoryDaemonClientPoolOptions } from "./in-memory-daemon-client-pool.js";
