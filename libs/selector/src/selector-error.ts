/** Why a selection failed. */
export type SelectorErrorReason =
  /** `mode` is not one of the five selector modes. */
  | "InvalidMode"
  /** `value` is missing or out of range for the mode. */
  | "InvalidValue"
  /** A selector field cannot be turned into a query (bad label, field or phase selector). */
  | "InvalidSelector"
  /** No pod matches the selector (Chaos Mesh's "no pod is selected"). */
  | "NoPodSelected"
  /** A container named in `containerNames` is missing from a selected pod. */
  | "ContainerNotFound";

/** A container named in `containerNames` that a selected pod does not have. */
export interface MissingContainer {
  namespace: string;
  podName: string;
  containerName: string;
}

/**
 * A selection that cannot succeed as specified. `reason` says which rule failed; for
 * `ContainerNotFound`, `missingContainers` lists every pod and container that is missing.
 *
 * ```ts
 * try { ... } catch (e) { if (e instanceof SelectorError && e.reason === "NoPodSelected") retryLater(); }
 * ```
 */
export class SelectorError extends Error {
  override readonly name = "SelectorError";
  readonly reason: SelectorErrorReason;
  readonly missingContainers: readonly MissingContainer[];

  constructor(
    reason: SelectorErrorReason,
    message: string,
    options: { cause?: unknown; missingContainers?: readonly MissingContainer[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.missingContainers = options.missingContainers ?? [];
  }
}
