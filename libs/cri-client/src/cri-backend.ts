import { readFileSync } from "node:fs";
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
        await untilDead(pid!, signal);
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
    close,
  };
}

/**
 * Sends `sig` to `pid`, a process /proc shows alive; false when this process may not signal it
 * (EPERM), so the caller falls back to the runtime. A process that exited in between (ESRCH)
 * counts as signalled: the container is stopping already.
 */
function sendSignal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    if ((error as NodeJS.ErrnoException).code === "EPERM") return false;
    throw error;
  }
  return true;
}

/**
 * What /proc says of a container's init process: alive, dead (a zombie its shim has not reaped
 * yet: the container is stopping, whatever the runtime's status still says), or invisible (no such
 * entry: another pid namespace, or gone).
 */
function processState(pid: number): "alive" | "dead" | "invisible" {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return "invisible";
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state === "Z" || state === "X" ? "dead" : "alive";
}

function exitedJustNow(ref: ContainerRef, pid: number): ContainerNotRunningError {
  return new ContainerNotRunningError(ref.raw, `container ${quoteInput(ref.raw)} is not running: its init process ${pid} has exited`);
}

/** Resolves once `pid` is gone or a zombie (the kernel has killed it), polling /proc for up to 2 s. */
async function untilDead(pid: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + 2000;
  while (processState(pid) === "alive") {
    if (signal?.aborted) throw signal.reason;
    if (Date.now() > deadline) throw new Error(`process ${pid} was sent SIGKILL but is still alive after 2 s`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
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
