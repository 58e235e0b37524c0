import type { ReconcileResult } from "@faultline/controller";
import { specErrorReasons } from "./selection-failure.js";
import type { WaveOutcome } from "./wave-outcome.js";
import { skippedPhase } from "@faultline/impl-registry";

/** When to look again: the soonest of `waits` (ms; a past one means now), nothing when there is none. */
export function requeueAfter(waits: readonly number[]): ReconcileResult {
  const positive = waits.map((ms) => Math.max(0, Math.ceil(ms)));
  return positive.length ? { requeueAfterMs: Math.min(...positive) } : {};
}

/**
 * When to look again after selection failed. A spec error cannot heal until the object changes,
 * and a change is a watch event that reconciles it again: no timed retry (only the other waits
 * still ahead, such as the duration's end). Anything else (no pod yet, a container not there yet,
 * the API server) is retried after `selectRetryMs`.
 */
export function selectionRetry(reason: string, waits: readonly number[], selectRetryMs: number): ReconcileResult {
  const later = waits.filter((ms) => ms >= 0);
  if (specErrorReasons.has(reason)) return later.length ? { requeueAfterMs: Math.min(...later) } : {};
  return { requeueAfterMs: Math.min(selectRetryMs, ...later) };
}

/** A kind with steps (a phase such as `Injected/1`) takes its next one now. */
export function nextStepWaits(outcomes: readonly WaveOutcome[]): number[] {
  return outcomes.some((o) => o.phase !== skippedPhase && o.phase?.includes("/")) ? [0] : [];
}
