import type { Record, RecordEvent } from "@faultline/api";
import { waitingMessagePrefix, waitingRetryMs } from "@faultline/impl-registry";

/** Exponential backoff for a record's failing apply or recover. */
export interface BackoffPolicy {
  /** The wait after the first failure; default 1 s. */
  baseMs: number;
  /** The longest wait; default 5 min. */
  maxMs: number;
}

export const defaultBackoffPolicy: BackoffPolicy = { baseMs: 1000, maxMs: 300_000 };

/** The wait after `failures` consecutive failures: base · 2^(failures−1), capped at max; 0 after none. */
export function backoffDelayMs(failures: number, policy: BackoffPolicy = defaultBackoffPolicy): number {
  if (failures <= 0) return 0;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(failures - 1, 52));
}

/** How many of the record's latest events are Failed attempts of `operation`, in a row. */
export function consecutiveFailures(events: readonly RecordEvent[] | undefined, operation: RecordEvent["operation"]): number {
  let count = 0;
  for (let i = (events?.length ?? 0) - 1; i >= 0; i--) {
    const event = events![i]!;
    if (event.operation !== operation || event.type !== "Failed") break;
    count++;
  }
  return count;
}

/**
 * When the record may next be tried with `operation` (epoch ms), from its persisted events: the last
 * failure's timestamp plus the backoff for the failures in a row. 0 when it may be tried now. Reading
 * it from status means a restarted manager keeps the same schedule.
 */
export function nextAttemptAtMs(record: Record, operation: RecordEvent["operation"], policy: BackoffPolicy = defaultBackoffPolicy): number {
  const failures = consecutiveFailures(record.events, operation);
  if (failures === 0) return 0;
  const lastEvent = record.events!.at(-1)!;
  const last = Date.parse(lastEvent.timestamp);
  const delay = backoffDelayMs(failures, policy);
  // a record the kind made wait (a guard rail) is looked at again soon, however long it has waited
  const capped = lastEvent.message?.startsWith(waitingMessagePrefix) ? Math.min(delay, waitingRetryMs) : delay;
  return Number.isNaN(last) ? 0 : last + capped;
}
