import { pauseAnnotation, parseGoDuration, planAnnotation, type ChaosObjectMeta, type DesiredPhase, type KillSwitchState } from "@faultline/api";

/** Which rule decided the desired phase. */
export type DesiredPhaseCause = "Deleted" | "KillSwitch" | "PlanOnly" | "OneShot" | "TimeUp" | "Paused" | "Running";

/** The desired phase, why, and (while running with a duration) when it will turn to Stop. */
export interface DesiredPhaseDecision {
  phase: DesiredPhase;
  cause: DesiredPhaseCause;
  /** Epoch ms at which `creationTimestamp + duration` passes; set while that is in the future. */
  stopsAtMs?: number;
}

/** What {@link computeDesiredPhase} needs to know about the object and its kind. */
export interface DesiredPhaseInput {
  metadata: ChaosObjectMeta;
  oneShot: boolean;
  /** The object's Go duration (`spec.duration`), if any. */
  duration: string | undefined;
  /** Epoch ms; `Date.now()` in production. */
  now: number;
  /** The cluster-wide kill switch (`killswitch/cluster`); absent = off. */
  killSwitch?: KillSwitchState;
}

/** Whether the pause annotation is set to "true". */
export function isPaused(metadata: ChaosObjectMeta): boolean {
  return metadata.annotations?.[pauseAnnotation] === "true";
}

/** Whether the plan annotation (`faultline.chaos-mesh.org/plan`) is set to "true": plan, inject nothing. */
export function isPlanOnly(metadata: ChaosObjectMeta): boolean {
  return metadata.annotations?.[planAnnotation] === "true";
}

/**
 * The desired phase, by Chaos Mesh's rules in order: deleted → Stop; the kill switch engaged → Stop
 * (Faultline's, before every other rule: even a one-shot starts nothing); the plan annotation → Stop
 * (Faultline's: the object is only planned, see `planStep`); one-shot → Run;
 * `creationTimestamp + duration` passed → Stop; paused → Stop; else Run. Only persisted timestamps
 * are used, so a restarted manager reaches the same answer; once the switch is off the same rules
 * resume what was running, and an experiment whose duration ran out meanwhile stays stopped.
 */
export function computeDesiredPhase(input: DesiredPhaseInput): DesiredPhaseDecision {
  const { metadata, now } = input;
  if (metadata.deletionTimestamp) return { phase: "Stop", cause: "Deleted" };
  if (input.killSwitch?.engaged) return { phase: "Stop", cause: "KillSwitch" };
  if (isPlanOnly(metadata)) return { phase: "Stop", cause: "PlanOnly" };
  if (input.oneShot) return { phase: "Run", cause: "OneShot" };
  let stopsAtMs: number | undefined;
  if (input.duration !== undefined && metadata.creationTimestamp) {
    stopsAtMs = Date.parse(metadata.creationTimestamp) + parseGoDuration(input.duration);
    if (now >= stopsAtMs) return { phase: "Stop", cause: "TimeUp" };
  }
  if (isPaused(metadata)) return { phase: "Stop", cause: "Paused", ...(stopsAtMs !== undefined && { stopsAtMs }) };
  return { phase: "Run", cause: "Running", ...(stopsAtMs !== undefined && { stopsAtMs }) };
}
