import type { ChaosCondition } from "@faultline/api";
import type { ChaosObject } from "@faultline/impl-registry";
import { changedConditions } from "./chaos-conditions.js";
import type { SendEvent } from "./event-sender.js";

/**
 * The Event `Updated` listing the conditions that changed from `before` to what `written` holds
 * ("Conditions: AllInjected=True, …"); none when nothing changed. Sent when no wave Event carried
 * the change.
 */
export function sendConditionsEvent(send: SendEvent, before: readonly ChaosCondition[] | undefined, written: ChaosObject): void {
  const changed = changedConditions(before, written.status?.conditions ?? []);
  if (changed.length) send(written, "Normal", "Updated", `Conditions: ${changed.join(", ")}`);
}
