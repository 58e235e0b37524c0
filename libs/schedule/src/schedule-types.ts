import type { OwnerReference, ChaosObjectMeta } from "@faultline/api";

/** What a Schedule does when a run is due while an earlier one is unfinished. */
export type ConcurrencyPolicy = "Forbid" | "Allow";

/**
 * Chaos Mesh's ChaosOnlyScheduleSpec: the cron, its policies, and the template of what each run
 * creates (`type` and that kind's spec in its lowerCamel field, e.g. `podChaos: {...}`). A
 * Workflow's Schedule template embeds this.
 */
export interface ChaosOnlyScheduleSpec {
  schedule: string;
  startingDeadlineSeconds?: number | null;
  concurrencyPolicy?: ConcurrencyPolicy;
  historyLimit?: number;
  /** A chaos kind's name ("PodChaos"), or "Workflow" in a Schedule. */
  type: string;
  /** The embedded specs, one field per kind (`podChaos`, `networkChaos`, …). */
  [field: string]: unknown;
}

/** A Schedule's spec: {@link ChaosOnlyScheduleSpec} plus `workflow` for `type: Workflow`. */
export interface ScheduleSpec extends ChaosOnlyScheduleSpec {
  workflow?: unknown;
}

/** A reference to a spawned object, as `status.active` lists it (core/v1 ObjectReference's fields). */
export interface ScheduleObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
}

/** Faultline's conditions on a Schedule: `Ready` (False when the cron cannot run) and `Paused`. */
export interface ScheduleCondition {
  type: "Ready" | "Paused";
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A Schedule's status. */
export interface ScheduleStatus {
  /** The spawned objects that are not finished. */
  active?: ScheduleObjectReference[];
  /** The last run's slot (RFC 3339): Chaos Mesh's lastScheduleTime, JSON "time". */
  time?: string;
  /** Faultline's addition: the next run's slot, for `kubectl get`. */
  nextTime?: string;
  /** Faultline's addition. */
  conditions?: ScheduleCondition[];
}

/** An owner reference, as metadata.ownerReferences holds it (`@faultline/api`'s). */
export type { OwnerReference };

/** Object metadata with the owner references a Schedule's children carry. */
export interface ScheduleObjectMeta extends ChaosObjectMeta {
  ownerReferences?: OwnerReference[];
}

/** A `chaos-mesh.org/v1alpha1` Schedule. */
export interface Schedule {
  apiVersion: "chaos-mesh.org/v1alpha1";
  kind: "Schedule";
  metadata: ScheduleObjectMeta;
  spec: ScheduleSpec;
  status?: ScheduleStatus;
}
