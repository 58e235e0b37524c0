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
 * The pid comes from `ContainerStatus(verbose)`; a kill is `StopContainer` with timeout 0,
 * which the runtime carries out with SIGKILL at once and waits for the exit.
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
      await runningStatus(ref, false, signal);
      await call(ref, signal, () => cri.stopContainer({ containerId: ref.id, timeout: 0n }, { signal, timeoutMs }));
    },
    close,
  };
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
