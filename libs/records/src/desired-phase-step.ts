import type { KillSwitchState } from "@faultline/api";
import { durationOf, oneShotOf, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { computeDesiredPhase, type DesiredPhaseCause, type DesiredPhaseDecision } from "./desired-phase.js";
import type { SendEvent } from "./event-sender.js";
import type { StatusMutation } from "./status-writer.js";

/** The Event that announces each new desired phase, by the rule that decided it. */
export const desiredPhaseEvents: { readonly [cause in DesiredPhaseCause]: { reason: string; message: string } } = {
  Running: { reason: "Started", message: "Experiment is running" },
  OneShot: { reason: "Started", message: "Experiment is running (one-shot)" },
  TimeUp: { reason: "TimeUp", message: "Duration has passed; recovering every record" },
  Paused: { reason: "Paused", message: "Experiment is paused; recovering every record" },
  Deleted: { reason: "Deleted", message: "Experiment is being deleted; recovering every record" },
  KillSwitch: { reason: "KillSwitch", message: "The kill switch (killswitch/cluster) is engaged; recovering every record" },
  PlanOnly: { reason: "PlanOnly", message: "The plan annotation (faultline.chaos-mesh.org/plan) is set: planning only, nothing is injected" },
};

/**
 * The desired phase of `obj` now ({@link computeDesiredPhase} with the kind's one-shot rule and
 * duration, and the kill switch); when it differs from the one in the status, stages its write and
 * sends its Event.
 */
export function desiredPhaseStep(
  kind: ChaosKind,
  obj: ChaosObject,
  now: number,
  stage: (mutate: StatusMutation) => void,
  send: SendEvent,
  killSwitch?: KillSwitchState,
): DesiredPhaseDecision {
  const decision = computeDesiredPhase({ metadata: obj.metadata, oneShot: oneShotOf(kind, obj), duration: durationOf(kind, obj), now, ...(killSwitch && { killSwitch }) });
  if (obj.status?.experiment?.desiredPhase !== decision.phase) {
    stage((status) => {
      status.experiment = { ...status.experiment, desiredPhase: decision.phase };
    });
    const { reason, message } = desiredPhaseEvents[decision.cause];
    send(obj, "Normal", reason, `${message} (desired phase ${decision.phase})`);
  }
  return decision;
}
