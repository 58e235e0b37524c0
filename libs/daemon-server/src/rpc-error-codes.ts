import { Code, ConnectError } from "@connectrpc/connect";
import { ContainerRuntimeError, type ContainerRuntimeErrorReason } from "@faultline/cri-client";
import { NamespaceProcessError } from "./namespace-process-runner.js";

const runtimeErrorCodes: Record<ContainerRuntimeErrorReason, Code> = {
  InvalidContainerId: Code.InvalidArgument,
  UnknownRuntime: Code.InvalidArgument,
  NotFound: Code.NotFound,
  NotRunning: Code.FailedPrecondition,
  RuntimeUnreachable: Code.Unavailable,
};

/**
 * The ConnectError a handler's failure becomes on the wire: container runtime errors keep their
 * meaning (bad id → InvalidArgument, unknown container → NotFound, stopped → FailedPrecondition,
 * runtime down → Unavailable), a timed-out process is DeadlineExceeded, the rest Internal.
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError) return error;
  if (error instanceof ContainerRuntimeError) {
    return new ConnectError(error.message, runtimeErrorCodes[error.reason], undefined, undefined, error);
  }
  if (error instanceof NamespaceProcessError) {
    const code =
      error.reason === "timeout" ? Code.DeadlineExceeded : error.reason === "cancelled" ? Code.Canceled : Code.Internal;
    return new ConnectError(error.message, code, undefined, undefined, error);
  }
  return ConnectError.from(error, Code.Internal);
}
