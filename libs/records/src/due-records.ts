import type { DesiredPhase, Record, RecordEvent } from "@faultline/api";
import { skippedPhase } from "@faultline/impl-registry";
import { type BackoffPolicy, nextAttemptAtMs } from "./retry-backoff.js";

/**
 * What a record needs for the desired phase: `Apply` while running and not Injected (nor skipped); `Recover`
 * while stopping and not Not Injected, or marked `applying` (it may hold an injection whatever its
 * phase); nothing otherwise.
 */
export function operationFor(phase: DesiredPhase, record: Record): RecordEvent["operation"] | undefined {
  // a record the kind skipped (a guard rail) is not applied again while the experiment runs
  if (phase === "Run" && record.phase !== "Injected" && record.phase !== skippedPhase) return "Apply";
  if (phase === "Stop" && (record.phase !== "Not Injected" || record.applying)) return "Recover";
  return undefined;
}

/**
 * The records a wave takes now (indexes into `records`), and how long until each of the others
 * that needs an operation may be tried again: a record's backoff after its trailing failures, read
 * from its persisted events.
 */
export function dueRecords(records: readonly Record[], phase: DesiredPhase, backoff: BackoffPolicy, now: number): { due: number[]; waits: number[] } {
  const due: number[] = [];
  const waits: number[] = [];
  records.forEach((record, index) => {
    const operation = operationFor(phase, record);
    if (!operation) return;
    const wait = nextAttemptAtMs(record, operation, backoff) - now;
    if (wait > 0) waits.push(wait);
    else due.push(index);
  });
  return { due, waits };
}

/** After a wave, how long until each record that failed (and still needs an operation) is retried. */
export function backoffWaits(records: readonly Record[], phase: DesiredPhase, backoff: BackoffPolicy, now: number): number[] {
  const waits: number[] = [];
  for (const record of records) {
    const operation = operationFor(phase, record);
    if (!operation) continue;
    const at = nextAttemptAtMs(record, operation, backoff);
    if (at > 0) waits.push(at - now);
  }
  return waits;
}
