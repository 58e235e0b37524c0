import { ContainerRuntimeError, createContainerRuntimeClient } from "@faultline/cri-client";

/**
 * Finds a container's host pid, then kills the container. Returns the pid it killed, or
 * undefined when the container was already gone or stopped.
 */
export async function killContainer(containerdSocket: string, containerId: string): Promise<number | undefined> {
  const runtime = createContainerRuntimeClient({ sockets: { containerd: containerdSocket }, timeoutMs: 5_000 });
  try {
    const pid = await runtime.getPid(containerId); // e.g. "containerd://3f2a…" → 48113
    await runtime.kill(containerId);
    return pid;
  } catch (error) {
    if (error instanceof ContainerRuntimeError && (error.reason === "NotFound" || error.reason === "NotRunning")) {
      return undefined; // nothing left to kill
    }
    throw error; // InvalidContainerId, UnknownRuntime, RuntimeUnreachable, or a runtime failure
  } finally {
    runtime.close();
  }
}
