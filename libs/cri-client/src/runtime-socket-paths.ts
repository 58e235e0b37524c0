/** Where each runtime's API socket lives on the node. */
export interface RuntimeSocketPaths {
  /** containerd's gRPC socket, serving CRI v1. */
  containerd: string;
  /** CRI-O's gRPC socket, serving CRI v1. */
  crio: string;
  /** Docker Engine's HTTP API socket. */
  docker: string;
}

/**
 * The sockets' usual locations on a Kubernetes node. A daemon that mounts the host's `/run`
 * elsewhere overrides them through `ContainerRuntimeClientOptions.sockets`.
 */
export const defaultRuntimeSocketPaths: RuntimeSocketPaths = Object.freeze({
  containerd: "/run/containerd/containerd.sock",
  crio: "/var/run/crio/crio.sock",
  docker: "/var/run/docker.sock",
});
