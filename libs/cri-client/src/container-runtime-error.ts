import { quoteInput } from "./quote-input.js";

/**
 * Why a container runtime operation failed, as a stable string that callers can switch on
 * (for example to pick a gRPC status code) without matching on error classes or messages.
 */
export type ContainerRuntimeErrorReason =
  | "InvalidContainerId"
  | "UnknownRuntime"
  | "NotFound"
  | "NotRunning"
  | "RuntimeUnreachable";

/**
 * Base class of every error this library throws on purpose. `reason` says what went wrong and
 * `containerId` is the container id exactly as the caller gave it.
 *
 * @example
 * try {
 *   await runtime.kill(id);
 * } catch (e) {
 *   if (e instanceof ContainerRuntimeError && e.reason === "NotRunning") return; // already dead
 *   throw e;
 * }
 */
export class ContainerRuntimeError extends Error {
  /** What went wrong, as a stable string. */
  readonly reason: ContainerRuntimeErrorReason;
  /** The container id as the caller gave it (possibly invalid). */
  readonly containerId: string;

  constructor(reason: ContainerRuntimeErrorReason, containerId: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ContainerRuntimeError";
    this.reason = reason;
    this.containerId = containerId;
  }
}

/** The container id is not `<runtime>://<64 lowercase hex>`. No runtime was contacted. */
export class InvalidContainerIdError extends ContainerRuntimeError {
  constructor(containerId: string, message: string, options?: ErrorOptions) {
    super("InvalidContainerId", containerId, message, options);
    this.name = "InvalidContainerIdError";
  }
}

/** The container id names a runtime this library does not speak (for example `podman://`). */
export class UnknownRuntimeError extends ContainerRuntimeError {
  constructor(containerId: string, message: string, options?: ErrorOptions) {
    super("UnknownRuntime", containerId, message, options);
    this.name = "UnknownRuntimeError";
  }
}

/** The runtime answered, and it has no container with this id. */
export class ContainerNotFoundError extends ContainerRuntimeError {
  constructor(containerId: string, message = `container ${quoteInput(containerId)} not found`, options?: ErrorOptions) {
    super("NotFound", containerId, message, options);
    this.name = "ContainerNotFoundError";
  }
}

/** The container exists but is not running (created, exited or in an unknown state). */
export class ContainerNotRunningError extends ContainerRuntimeError {
  constructor(containerId: string, message = `container ${quoteInput(containerId)} is not running`, options?: ErrorOptions) {
    super("NotRunning", containerId, message, options);
    this.name = "ContainerNotRunningError";
  }
}

/**
 * The runtime could not be reached: its socket is missing, refused the connection, or did not
 * answer in time. `socketPath` is the socket that was tried; the message names it too.
 */
export class RuntimeUnreachableError extends ContainerRuntimeError {
  /** The unix socket that could not be reached. */
  readonly socketPath: string;

  constructor(containerId: string, socketPath: string, detail: string, options?: ErrorOptions) {
    super("RuntimeUnreachable", containerId, `container runtime at ${socketPath} is unreachable: ${detail}`, options);
    this.name = "RuntimeUnreachableError";
    this.socketPath = socketPath;
  }
}
