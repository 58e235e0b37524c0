import type { ChaosCondition } from "@faultline/api";
import type { ChaosObject } from "@faultline/impl-registry";
import { changedConditions } from "./chaos-conditions.js";
import type { SendEvent } from "./event-sender.js";
import { waveEvents, type WaveOutcome } from "./wave-outcome.js";

/**
 * Sends the Events that summarise a written wave ({@link waveEvents}); the conditions it changed
 * (from `before` to what `written` holds) ride on its first Event instead of an Event of their own.
 * Answers whether they did (then no `Updated` Event is due).
 */
export function reportWave(send: SendEvent, obj: ChaosObject, outcomes: readonly WaveOutcome[], before: readonly ChaosCondition[] | undefined, written: ChaosObject): boolean {
  const changed = changedConditions(before, written.status?.conditions ?? []);
  const summary = waveEvents(outcomes, changed.length ? `conditions ${changed.join(", ")}` : undefined);
  for (const event of summary) send(obj, event.type, event.reason, event.message);
  return changed.length > 0 && summary.length > 0;
}
