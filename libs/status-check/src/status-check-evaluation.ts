import { parseGoDuration } from "@faultline/api";
import type { StatusCheckSpec } from "./status-check-crd.js";
import {
  statusCheckConditionTypes,
  statusCheckReasons,
  type ResolvedStatusCheckSpec,
  type StatusCheckCondition,
  type StatusCheckConditionType,
  type StatusCheckOutcome,
  type StatusCheckRecord,
  type StatusCheckStatus,
} from "./status-check.js";

/**
 * The spec with Chaos Mesh's defaults filled in (the API server applies them too; this covers an
 * object read through something that did not) and times in milliseconds.
 *
 * @example
 * resolveStatusCheckSpec({ mode: "Continuous", duration: "1m" }).intervalMs // 10000
 */
export function resolveStatusCheckSpec(spec: StatusCheckSpec): ResolvedStatusCheckSpec {
  return {
    mode: spec.mode ?? "Synchronous",
    ...(spec.duration !== undefined && { durationMs: parseGoDuration(spec.duration) }),
    timeoutMs: (spec.timeoutSeconds ?? 1) * 1000,
    intervalMs: (spec.intervalSeconds ?? 10) * 1000,
    failureThreshold: spec.failureThreshold ?? 3,
    successThreshold: spec.successThreshold ?? 1,
    recordsHistoryLimit: spec.recordsHistoryLimit ?? 100,
  };
}

/**
 * Whether the newest `threshold` records all have `outcome` (consecutive outcomes, counted back
 * from the newest record), as Chaos Mesh judges both thresholds.
 */
export function thresholdExceeded(records: readonly StatusCheckRecord[], outcome: StatusCheckOutcome, threshold: number): boolean {
  if (records.length < threshold) return false;
  return records.slice(records.length - threshold).every((r) => r.outcome === outcome);
}

/** What {@link evaluateStatusCheck} finds. */
export interface StatusCheckEvaluation {
  /** All four conditions, in {@link statusCheckConditionTypes} order. */
  conditions: StatusCheckCondition[];
  /** Why the check is complete (`StatusCheckDurationExceed`, …), when `Completed` is True. */
  completedReason?: string;
  /** The condition types that turned True in this evaluation (were False or absent): what Events announce. */
  crossed: StatusCheckConditionType[];
}

/** When a started check's `duration` runs out (ms since the epoch), if it has one. */
export function durationEndMs(spec: ResolvedStatusCheckSpec, status: StatusCheckStatus): number | undefined {
  if (spec.durationMs === undefined || status.startTime === undefined) return undefined;
  return Date.parse(status.startTime) + spec.durationMs;
}

/**
 * Chaos Mesh's conditions of a StatusCheck from its records and the clock:
 * - `DurationExceed`: `startTime + duration` has passed;
 * - `FailureThresholdExceed`: the newest `failureThreshold` records are all failures;
 * - `SuccessThresholdExceed`: the newest `successThreshold` records are all successes;
 * - `Completed`, with the first reason that holds: duration exceeded, failure threshold exceeded,
 *   or (Synchronous mode only) success threshold exceeded. In Continuous mode the success
 *   threshold is reported but does not complete the check.
 *
 * Each condition's `lastProbeTime` is `now`; `lastTransitionTime` moves only when its status changes.
 *
 * @example
 * const { completedReason } = evaluateStatusCheck(resolveStatusCheckSpec(spec), status, new Date());
 * // "StatusCheckFailureThresholdExceed" after three failures in a row (the default threshold)
 */
export function evaluateStatusCheck(spec: ResolvedStatusCheckSpec, status: StatusCheckStatus, now: Date): StatusCheckEvaluation {
  const records = status.records ?? [];
  const end = durationEndMs(spec, status);
  const durationExceed = end !== undefined && now.getTime() >= end;
  const failure = thresholdExceeded(records, "Failure", spec.failureThreshold);
  const success = thresholdExceeded(records, "Success", spec.successThreshold);
  const completedReason = durationExceed
    ? statusCheckReasons.durationExceed
    : failure
      ? statusCheckReasons.failureThresholdExceed
      : success && spec.mode === "Synchronous"
        ? statusCheckReasons.successThresholdExceed
        : undefined;
  const wanted: { [type in StatusCheckConditionType]: boolean } = {
    Completed: completedReason !== undefined,
    DurationExceed: durationExceed,
    FailureThresholdExceed: failure,
    SuccessThresholdExceed: success,
  };
  const at = now.toISOString();
  const previous = new Map((status.conditions ?? []).map((c) => [c.type, c]));
  const crossed: StatusCheckConditionType[] = [];
  const conditions = statusCheckConditionTypes.map((type): StatusCheckCondition => {
    const value = wanted[type] ? "True" : "False";
    const before = previous.get(type);
    if (value === "True" && before?.status !== "True") crossed.push(type);
    const reason = type === "Completed" ? completedReason : undefined;
    return {
      type,
      status: value,
      ...(reason !== undefined && { reason }),
      lastProbeTime: at,
      lastTransitionTime: before !== undefined && before.status === value && before.lastTransitionTime !== undefined ? before.lastTransitionTime : at,
    };
  });
  return { conditions, ...(completedReason !== undefined && { completedReason }), crossed };
}

/** Whether the status says the check is complete (`Completed` is True): nothing more is probed. */
export function isStatusCheckCompleted(status: StatusCheckStatus | undefined): boolean {
  return (status?.conditions ?? []).some((c) => c.type === "Completed" && c.status === "True");
}

/** What a reconcile does next, from the spec, the persisted status and the clock. */
export type StatusCheckStep =
  /** Completed: nothing to do, ever. */
  | { step: "done" }
  /** Not started: write `startTime` (and the conditions, all False). The first probe is one interval later. */
  | { step: "start" }
  /** The status, evaluated now, is complete (the duration passed, or the records meet a threshold): write it. */
  | { step: "complete" }
  /** Nothing due yet: look again after `delayMs`. */
  | { step: "wait"; delayMs: number }
  /** A probe is due. */
  | { step: "probe" };

/**
 * The next step of a StatusCheck. Probes are one interval apart, measured from the newest record's
 * start (from `startTime` before the first), so a manager that restarts, or was down for an hour,
 * continues where the status left off: at most one probe is due at any moment, never a burst of
 * catch-up probes.
 */
export function nextStatusCheckStep(spec: ResolvedStatusCheckSpec, status: StatusCheckStatus | undefined, now: Date): StatusCheckStep {
  if (isStatusCheckCompleted(status)) return { step: "done" };
  if (status?.startTime === undefined) return { step: "start" };
  if (evaluateStatusCheck(spec, status, now).completedReason !== undefined) return { step: "complete" };
  const last = status.records?.at(-1)?.startTime ?? status.startTime;
  const due = Date.parse(last) + spec.intervalMs;
  const end = durationEndMs(spec, status);
  const wake = end === undefined ? due : Math.min(due, end);
  return wake > now.getTime() ? { step: "wait", delayMs: wake - now.getTime() } : { step: "probe" };
}

/**
 * The status after one more probe: its record appended (the oldest dropped beyond
 * `recordsHistoryLimit`), `count` raised, the conditions evaluated at `now`, and `completionTime`
 * set when this completes the check.
 */
export function withProbeRecord(spec: ResolvedStatusCheckSpec, status: StatusCheckStatus, record: StatusCheckRecord, now: Date): { status: StatusCheckStatus; evaluation: StatusCheckEvaluation } {
  const records = [...(status.records ?? []), record].slice(-spec.recordsHistoryLimit);
  return evaluated(spec, { ...status, count: (status.count ?? 0) + 1, records }, now);
}

/** The status with its conditions evaluated at `now` (and `startTime` set when it was not). */
export function withEvaluatedConditions(spec: ResolvedStatusCheckSpec, status: StatusCheckStatus, now: Date): { status: StatusCheckStatus; evaluation: StatusCheckEvaluation } {
  return evaluated(spec, { ...status, startTime: status.startTime ?? now.toISOString() }, now);
}

function evaluated(spec: ResolvedStatusCheckSpec, status: StatusCheckStatus, now: Date): { status: StatusCheckStatus; evaluation: StatusCheckEvaluation } {
  const evaluation = evaluateStatusCheck(spec, status, now);
  const completionTime = status.completionTime ?? (evaluation.completedReason !== undefined ? now.toISOString() : undefined);
  return {
    status: { ...status, ...(completionTime !== undefined && { completionTime }), conditions: evaluation.conditions },
    evaluation,
  };
}
