import { killSwitchReason } from "@faultline/api";
import type { ChaosKindDefinition, ChaosObject } from "@faultline/chaos-kind";

/** What finished-ness reads of a spawned object: its status (any kind's, or a Workflow's). */
export interface SpawnedObject {
  metadata?: { name?: string; creationTimestamp?: string | Date };
  status?: {
    conditions?: readonly { type?: string; status?: string; reason?: string }[];
    experiment?: { desiredPhase?: string; containerRecords?: readonly { phase?: string }[] };
  };
  [key: string]: unknown;
}

const conditionIsTrue = (obj: SpawnedObject, type: string) => (obj.status?.conditions ?? []).some((c) => c.type === type && c.status === "True");

/**
 * Whether a chaos object spawned by a Schedule is over (Chaos Mesh's IsChaosFinished): its desired
 * phase is Stop and every record is "Not Injected" (recovered, or never injected) — or, for a
 * one-shot kind (`definition.oneShot`, e.g. pod-kill), once AllInjected is True, since such a kind
 * stays in Run until it is deleted. An object without status yet is not finished. A lasting object
 * stopped by the kill switch (Paused True, reason `KillSwitch`) is not finished either: it resumes
 * once the switch is off, and its status says Stop until the records pipeline has rewritten it.
 *
 * @example
 * isChaosFinished(child, podChaosDefinition) // under Forbid, no run starts while this is false
 */
export function isChaosFinished(obj: SpawnedObject, definition: Pick<ChaosKindDefinition, "oneShot">): boolean {
  const experiment = obj.status?.experiment;
  const heldBySwitch = (obj.status?.conditions ?? []).some((c) => c.type === "Paused" && c.status === "True" && c.reason === killSwitchReason);
  if (!heldBySwitch && experiment?.desiredPhase === "Stop" && (experiment.containerRecords ?? []).every((r) => r.phase === "Not Injected")) return true;
  // a spawned object is an object of the definition's kind, read untyped from the API server
  const oneShot = typeof definition.oneShot === "function" ? definition.oneShot(obj as unknown as ChaosObject) : definition.oneShot;
  return oneShot && conditionIsTrue(obj, "AllInjected");
}

/** Whether a Workflow spawned by a Schedule is over: its condition Accomplished is True. */
export function isWorkflowFinished(obj: SpawnedObject): boolean {
  return conditionIsTrue(obj, "Accomplished");
}
