import type { Record, RecordEvent, RecordPhase } from "@faultline/api";
import type { ChaosEvent } from "@faultline/controller";
import { waitingMessagePrefix } from "@faultline/impl-registry";
import { appendRecordEvent, defaultStatusCompaction, type StatusCompaction } from "./status-compaction.js";

/** What one apply or recover of a wave did to one record, before it is written. */
export interface WaveOutcome {
  id: string;
  /** The record's selector: with its id, what names the record (a target chosen by two selectors has two). */
  selectorKey: string;
  operation: RecordEvent["operation"];
  /** The record was Injected and applied again because its injection was gone (a recreated target). */
  reapplied: boolean;
  /** The phase the kind answered; absent when it threw. */
  phase?: RecordPhase;
  /** Why it failed (the kind threw). */
  failure?: string;
  /** A recover whose target no longer exists: counted as recovered, with why. */
  gone?: string;
  /** The kind declined the apply for now (`ApplyWaiting`): `failure` says what it waits for; retried. */
  waiting?: boolean;
  /** The kind skipped the record (`ApplySkipped`), with why: its phase is `Not Injected/Skipped`. */
  skipped?: string;
  /** RFC 3339, when the call ended. */
  timestamp: string;
}

/**
 * Writes an outcome into its stored record: the phase and counts, the attempt as a record event,
 * and the `applying` mark removed once nothing of an apply is pending (an apply that succeeded, or
 * a recover that left the record Not Injected). A failed apply keeps the mark: it may have
 * injected part of its work, so a stop recovers it.
 */
export function applyOutcome(stored: Record, outcome: WaveOutcome, compaction: StatusCompaction = defaultStatusCompaction): void {
  const { operation, phase, failure, gone, waiting, skipped } = outcome;
  if (phase !== undefined) {
    stored.phase = phase;
    if (operation === "Apply" && phase === "Injected") stored.injectedCount++;
    if (operation === "Recover" && phase === "Not Injected") stored.recoveredCount++;
    if (phase === "Injected" || phase === "Not Injected") delete stored.applying;
  }
  // declined by the kind (a guard rail): nothing was injected, so nothing to recover for it
  if (waiting || skipped !== undefined) delete stored.applying;
  const event: RecordEvent = { type: failure === undefined ? "Succeeded" : "Failed", operation, timestamp: outcome.timestamp };
  if (failure !== undefined) event.message = waiting ? `${waitingMessagePrefix}${failure}` : failure;
  else if (skipped !== undefined) event.message = `skipped: ${skipped}`;
  else if (gone !== undefined) event.message = `target is gone, counted as recovered: ${gone}`;
  appendRecordEvent(stored, event, compaction);
}

/** Per-record Failed Events in one wave, at most; the rest are counted in one more Event. */
export const maxFailureEventsPerWave = 10;

/** How many record ids a summary names before "… and N more". */
const namedIds = 20;

function idList(ids: readonly string[]): string {
  const named = ids.slice(0, namedIds).join(", ");
  return ids.length > namedIds ? `${named} … and ${ids.length - namedIds} more` : named;
}

const count = (n: number) => `${n} record${n === 1 ? "" : "s"}`;

/**
 * The Kubernetes Events that summarise a wave: one per kind of success (applied, re-applied,
 * recovered, gone, moved to a next step), naming the records, and one Warning per failed record (at
 * most {@link maxFailureEventsPerWave}, then one counting the others). Each record's own history
 * is in its status events, not here. `note` (the conditions the wave changed) goes on the first
 * Event, so that they cost no Event of their own.
 */
export function waveEvents(outcomes: readonly WaveOutcome[], note?: string): ChaosEvent[] {
  // each message is "<head>: <tail>"; the note goes on the first head, before the list of records
  // the recorder may cut
  const events: Array<{ type: ChaosEvent["type"]; reason: string; head: string; tail: string }> = [];
  const push = (type: ChaosEvent["type"], reason: string, head: string, tail: string) => events.push({ type, reason, head, tail });
  const ids = (match: (o: WaveOutcome) => boolean) => outcomes.filter(match).map((o) => o.id);
  const ok = (o: WaveOutcome) => o.failure === undefined;

  const applied = ids((o) => ok(o) && o.operation === "Apply" && !o.reapplied && o.phase === "Injected");
  if (applied.length) push("Normal", "Applied", `Applied chaos to ${count(applied.length)}`, idList(applied));
  const reapplied = ids((o) => ok(o) && o.reapplied && o.phase === "Injected");
  if (reapplied.length) push("Normal", "Applied", `Re-applied chaos for ${idList(reapplied)}`, "the injection was gone (the target was recreated)");
  const recovered = ids((o) => ok(o) && o.operation === "Recover" && o.gone === undefined && o.phase === "Not Injected");
  if (recovered.length) push("Normal", "Recovered", `Recovered chaos for ${count(recovered.length)}`, idList(recovered));
  const gone = outcomes.filter((o) => o.gone !== undefined);
  if (gone.length) {
    const verb = gone.length === 1 ? "no longer exists" : "no longer exist";
    const why = gone.length === 1 ? ` (${gone[0]!.gone})` : "";
    push("Normal", "Recovered", `${idList(gone.map((o) => o.id))} ${verb}, so nothing is left to recover`, `counted as recovered${why}`);
  }
  const stepped = ids((o) => ok(o) && o.skipped === undefined && o.phase !== undefined && o.phase.includes("/"));
  if (stepped.length) push("Normal", "Updated", `${count(stepped.length)} moved to a next step`, idList(stepped));

  // declined by the kind for now: one Event per record, saying why (what it waits for, why skipped)
  for (const o of outcomes.filter((o) => o.skipped !== undefined)) push("Normal", "Skipped", `Skipped ${o.id}`, o.skipped!);
  for (const o of outcomes.filter((o) => o.waiting)) push("Normal", "Waiting", `Waiting to apply chaos to ${o.id}`, o.failure!);
  const failed = outcomes.filter((o) => !ok(o) && !o.waiting);
  for (const o of failed.slice(0, maxFailureEventsPerWave)) push("Warning", "Failed", `Failed to ${o.operation.toLowerCase()} chaos for ${o.id}`, o.failure!);
  if (failed.length > maxFailureEventsPerWave) {
    const rest = failed.slice(maxFailureEventsPerWave);
    push("Warning", "Failed", `Failed for ${rest.length} more record${rest.length === 1 ? "" : "s"} (see their records' events)`, idList(rest.map((o) => o.id)));
  }
  if (note !== undefined && events[0]) events[0].head += ` (${note})`;
  return events.map(({ type, reason, head, tail }) => ({ type, reason, message: `${head}: ${tail}` }));
}
