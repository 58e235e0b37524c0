import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ContainerState, RuntimeService, type ContainerStatusResponse } from "@faultline/api/cri";
import type { ContainerRef } from "./container-ref.js";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import { ContainerNotFoundError, ContainerNotRunningError, RuntimeUnreachableError } from "./container-runtime-error.js";
import { createCriTransport } from "./cri-transport.js";
import { pidFromCriVerboseInfo } from "./cri-verbose-info.js";
import { quoteInput } from "./quote-input.js";
import { describeUnreachableCause } from "./runtime-unreachable-cause.js";
import { processState, sendSignal, untilAllDead } from "./init-process.js";

/** How long a kill waits for its init process to die before it answers it `stillExiting`. */
export const killDeadlineMs = 5000;

/**
 * The backend for runtimes that serve Kubernetes CRI v1 over gRPC (containerd, CRI-O).
 * The pid comes from `ContainerStatus(verbose)`. A kill sends SIGKILL to the container's init
 * process, as Chaos Mesh's daemon does through containerd's task API, and answers once that process
 * is dead (gone, or a zombie its shim is reaping): the kernel ends every process of the container's
 * pid namespace with it, the runtime records the exit a moment later, and the kubelet restarts the
 * container. Where the init process is not visible in this process's /proc (no host pid
 * namespace), a kill is `StopContainer` with timeout 0, which SIGKILLs too and waits for the
 * runtime to record the exit.
 */
export function createCriBackend(socketPath: string, timeoutMs: number): ContainerRuntimeBackend {
  const { transport, close } = createCriTransport(socketPath);
  const cri = createClient(RuntimeService, transport);

  async function call<T>(ref: ContainerRef, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw translateCriError(error, ref, socketPath, timeoutMs, signal);
    }
  }

  async function runningStatus(ref: ContainerRef, verbose: boolean, signal: AbortSignal | undefined) {
    const response = await call(ref, signal, () =>
      cri.containerStatus({ containerId: ref.id, verbose }, { signal, timeoutMs }),
    );
    const state = response.status?.state ?? ContainerState.CONTAINER_UNKNOWN;
    if (state !== ContainerState.CONTAINER_RUNNING) {
      throw new ContainerNotRunningError(ref.raw, `container ${quoteInput(ref.raw)} is not running: ${describeState(response)}`);
    }
    return response;
  }

  // Whether this process sees the runtime's pids (the host's pid namespace, as the daemon runs):
  // once one of them was visible in /proc, an invisible one is a process that is gone.
  let seesRuntimePids = false;
  const processStateSeen = (pid: number) => {
    const state = processState(pid);
    if (state !== "invisible") seesRuntimePids = true;
    return state;
  };
  const exited = (state: ReturnType<typeof processState>) => state === "dead" || (state === "invisible" && seesRuntimePids);

  return {
    killsByPid: true,
    async getPid(ref, signal) {
      const response = await runningStatus(ref, true, signal);
      const pid = pidFromCriVerboseInfo(response.info);
      if (pid === undefined) {
        throw new Error(
          `CRI runtime at ${socketPath} reports container ${quoteInput(ref.raw)} running but gave no pid in its verbose status`,
        );
      }
      if (exited(processStateSeen(pid))) throw exitedJustNow(ref, pid);
      return pid;
    },
    async kill(ref, signal) {
      const response = await runningStatus(ref, true, signal);
      const pid = pidFromCriVerboseInfo(response.info);
      const state = pid === undefined ? "invisible" : processStateSeen(pid);
      if (exited(state)) throw exitedJustNow(ref, pid!);
      if (state === "alive" && sendSignal(pid!, "SIGKILL")) {
        // still exiting after the deadline is killed all the same (see killContainers)
        await untilAllDead([pid!], signal, killDeadlineMs);
        return;
      }
      try {
        await call(ref, signal, () => cri.stopContainer({ containerId: ref.id, timeout: 0n }, { signal, timeoutMs }));
      } catch (error) {
        // its init process died a moment ago and the runtime is winding the container down: the
        // runtime's own answer, once it has one, says there is nothing left to kill
        await runningStatus(ref, false, signal);
        throw error;
      }
    },
    async listRunning(signal) {
      const response = await cri.listContainers({ filter: { state: { state: ContainerState.CONTAINER_RUNNING } } }, { signal, timeoutMs });
      return response.containers.map((c) => c.id);
    },
    close,
  };
}

/** The container's init process exited between the runtime's answer and now: not running. */
export function exitedJustNow(ref: ContainerRef, pid: number): ContainerNotRunningError {
  return new ContainerNotRunningError(ref.raw, `container ${quoteInput(ref.raw)} is not running: its init process ${pid} has exited`);
}

function describeState(response: ContainerStatusResponse): string {
  const status = response.status;
  const state = ContainerState[status?.state ?? ContainerState.CONTAINER_UNKNOWN] ?? "CONTAINER_UNKNOWN";
  if (status?.state === ContainerState.CONTAINER_EXITED) {
    return `${state}, exit code ${status.exitCode}${status.reason ? ` (${status.reason})` : ""}`;
  }
  return state;
}

function translateCriError(
  error: unknown,
  ref: ContainerRef,
  socketPath: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): unknown {
  if (signal?.aborted) return signal.reason;
  const ce = ConnectError.from(error);
  if (ce.code === Code.NotFound) {
    return new ContainerNotFoundError(
      ref.raw,
      `container ${quoteInput(ref.raw)} not found by the CRI runtime at ${socketPath}: ${ce.rawMessage}`,
      { cause: error },
    );
  }
  if (ce.code === Code.DeadlineExceeded) {
    return new RuntimeUnreachableError(ref.raw, socketPath, `no answer within ${timeoutMs} ms`, { cause: error });
  }
  const unreachable = describeUnreachableCause(error);
  if (unreachable !== undefined || ce.code === Code.Unavailable) {
    return new RuntimeUnreachableError(ref.raw, socketPath, unreachable ?? ce.rawMessage, { cause: error });
  }
  return error;
}
