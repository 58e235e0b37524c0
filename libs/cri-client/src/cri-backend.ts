import { existsSync } from "node:fs";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ContainerState, RuntimeService, type ContainerStatusResponse } from "@faultline/api/cri";
import type { ContainerRef } from "./container-ref.js";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import { ContainerNotFoundError, ContainerNotRunningError, RuntimeUnreachableError } from "./container-runtime-error.js";
import { createCriTransport } from "./cri-transport.js";
import { pidFromCriVerboseInfo } from "./cri-verbose-info.js";
import { quoteInput } from "./quote-input.js";
import { describeUnreachableCause } from "./runtime-unreachable-cause.js";

/**
 * The backend for runtimes that serve Kubernetes CRI v1 over gRPC (containerd, CRI-O).
 * The pid comes from `ContainerStatus(verbose)`. A kill sends SIGKILL to the container's init
 * process and answers once the signal is delivered, as Chaos Mesh's daemon does through
 * containerd's task API: the kernel then ends every process of the container's pid namespace, the
 * runtime records the exit and the kubelet restarts the container. Where the init process is not
 * visible in this process's /proc (no host pid namespace), a kill is `StopContainer` with timeout
 * 0, which SIGKILLs too but waits for the runtime to see the exit.
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

  return {
    async getPid(ref, signal) {
      const response = await runningStatus(ref, true, signal);
      const pid = pidFromCriVerboseInfo(response.info);
      if (pid === undefined) {
        throw new Error(
          `CRI runtime at ${socketPath} reports container ${quoteInput(ref.raw)} running but gave no pid in its verbose status`,
        );
      }
      return pid;
    },
    async kill(ref, signal) {
      const response = await runningStatus(ref, true, signal);
      const pid = pidFromCriVerboseInfo(response.info);
      if (pid !== undefined && signalIfVisible(pid, "SIGKILL")) return;
      await call(ref, signal, () => cri.stopContainer({ containerId: ref.id, timeout: 0n }, { signal, timeoutMs }));
    },
    close,
  };
}

/**
 * Sends `sig` to `pid` when that process is visible here (the host's pid namespace); false when it
 * is not, so the caller falls back to the runtime. A process that exited between the status and
 * the signal (ESRCH) counts as killed: the container is stopping already.
 */
function signalIfVisible(pid: number, sig: NodeJS.Signals): boolean {
  if (!existsSync(`/proc/${pid}`)) return false;
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    if ((error as NodeJS.ErrnoException).code === "EPERM") return false;
    throw error;
  }
  return true;
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
