import type { ChaosObjectMeta } from "@faultline/api";
import type { StatusCheckSpec } from "./status-check-crd.js";

/** The outcome of one probe. */
export type StatusCheckOutcome = "Success" | "Failure";

/** One probe in `status.records`. */
export interface StatusCheckRecord {
  /** When the probe started (RFC 3339). */
  startTime: string;
  outcome: StatusCheckOutcome;
}

/** The condition types Chaos Mesh sets on a StatusCheck. */
export type StatusCheckConditionType = "Completed" | "DurationExceed" | "FailureThresholdExceed" | "SuccessThresholdExceed";

/** Every condition type, in the order status lists them. */
export const statusCheckConditionTypes: readonly StatusCheckConditionType[] = ["Completed", "DurationExceed", "FailureThresholdExceed", "SuccessThresholdExceed"];

/**
 * Chaos Mesh's reasons: the `Completed` condition's reason says why the check completed, and the
 * Events are named after them.
 */
export const statusCheckReasons = {
  durationExceed: "StatusCheckDurationExceed",
  failureThresholdExceed: "StatusCheckFailureThresholdExceed",
  successThresholdExceed: "StatusCheckSuccessThresholdExceed",
  executionFailed: "StatusCheckExecutionFailed",
  executionSucceed: "StatusCheckExecutionSucceed",
  completed: "StatusCheckCompleted",
} as const;

/** One entry of `status.conditions`. */
export interface StatusCheckCondition {
  type: StatusCheckConditionType;
  status: "True" | "False";
  /** Set on `Completed` when True (e.g. `StatusCheckFailureThresholdExceed`); empty otherwise, as Chaos Mesh leaves it. */
  reason?: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
}

/** A StatusCheck's status, Chaos Mesh's shape. */
export interface StatusCheckStatus {
  startTime?: string;
  completionTime?: string;
  /** Probes run in total (records keep only the latest). */
  count?: number;
  conditions?: StatusCheckCondition[];
  records?: StatusCheckRecord[];
}

/** A `chaos-mesh.org/v1alpha1` StatusCheck. */
export interface StatusCheck {
  apiVersion: "chaos-mesh.org/v1alpha1";
  kind: "StatusCheck";
  metadata: ChaosObjectMeta;
  spec: StatusCheckSpec;
  status?: StatusCheckStatus;
}

/** The resource the controller watches. */
export const statusCheckResource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "statuschecks", kind: "StatusCheck" } as const;

/** A spec with every default filled in, as the controller reads it. */
export interface ResolvedStatusCheckSpec {
  mode: "Synchronous" | "Continuous";
  /** Milliseconds, when the spec sets a duration. */
  durationMs?: number;
  timeoutMs: number;
  intervalMs: number;
  failureThreshold: number;
  successThreshold: number;
  recordsHistoryLimit: number;
}
