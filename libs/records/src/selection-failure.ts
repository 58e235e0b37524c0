import { SelectorError } from "@faultline/selector";
import { BlastRadiusError } from "./blast-radius.js";
import { ProtectedNamespaceError } from "./target-selector.js";

/**
 * Selection failures that only a change of the object can cure: the spec itself is wrong (a mode
 * that does not exist, a `value` out of range, a selector that is not a valid query), or an
 * experiment above the blast-radius limits (only the override annotation lets it run), or one whose
 * selectors name only protected namespaces.
 */
export const specErrorReasons: ReadonlySet<string> = new Set(["InvalidMode", "InvalidValue", "InvalidSelector", "BlastRadiusExceeded", "ProtectedNamespace"]);

/**
 * The Selected condition's reason for a failed selection: the selector's own reason (for example
 * `InvalidValue`, `ContainerNotFound`), or `SelectionFailed` for anything else (the API server).
 */
export function selectionFailureReason(error: unknown): string {
  return error instanceof SelectorError || error instanceof BlastRadiusError || error instanceof ProtectedNamespaceError ? error.reason : "SelectionFailed";
}
