// @faultline/cri-client — from a Kubernetes container id to the container's host pid, or its
// death, on containerd, CRI-O or Docker. The runtime is chosen by the id's prefix.

// What users need first: the client.
export { createContainerRuntimeClient } from "./container-runtime-client.js";
export type { ContainerRuntimeClient, ContainerRuntimeClientOptions } from "./container-runtime-client.js";
export type { PidCacheWarmPass } from "./pid-cache-warmer.js";
export type { ContainerKillOutcome, ContainerKillReport, ContainerKillTimings } from "./kill-containers.js";
export { defaultRuntimeSocketPaths } from "./runtime-socket-paths.js";
export type { RuntimeSocketPaths } from "./runtime-socket-paths.js";

// Container ids.
export { parseContainerId } from "./container-ref.js";
export type { ContainerRef, RuntimeKind } from "./container-ref.js";

// Errors.
export {
  ContainerNotFoundError,
  ContainerNotRunningError,
  ContainerRuntimeError,
  InvalidContainerIdError,
  RuntimeUnreachableError,
  UnknownRuntimeError,
} from "./container-runtime-error.js";
export type { ContainerRuntimeErrorReason } from "./container-runtime-error.js";

// What other libraries need: the raw CRI client.
export { createCriRuntimeServiceClient } from "./cri-runtime-service-client.js";

// Finding the runtime the node's kubelet uses, when the configured socket paths do not exist.
export {
  findKubeletRuntimeSockets,
  kubeletDefaultRuntimeEndpoint,
  kubeletNodeName,
  kubeletRuntimeEndpoint,
  runtimeEndpointOfKubeletConfig,
} from "./kubelet-runtime-socket.js";
export type { FindKubeletRuntimeSocketsOptions, KubeletRuntimeSocket } from "./kubelet-runtime-socket.js";
