import { SelectorError } from "@faultline/selector";

/**
 * Selection failures that only a change of the object can cure: the spec itself is wrong (a mode
 * that does not exist, a `value` out of range, a selector that is not a valid query).
 */
export const specErrorReasons: ReadonlySet<string> = new Set(["InvalidMode", "InvalidValue", "InvalidSelector"]);

/**
 * The Selected condition's reason for a failed selection: the selector's own reason (for example
 * `InvalidValue`, `ContainerNotFound`), or `SelectionFailed` for anything else (the API server).
 */
export function selectionFailureReason(error: unknown): string {
  return error instanceof SelectorError ? error.reason : "SelectionFailed";
}
