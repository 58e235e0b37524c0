import type { DesiredPhase, Record } from "@faultline/api";
import type { ChaosImplContext, ChaosKind, ChaosObject } from "@faultline/impl-registry";
import { deepFreeze } from "@faultline/api";
import { skippedPhase } from "@faultline/impl-registry";
import { runBounded } from "./bounded-parallel.js";
import { operationFor } from "./due-records.js";
import { errorMessage, recordKey } from "./record-key.js";
import type { StatusCompaction } from "./status-compaction.js";
import type { StatusMutation } from "./status-writer.js";
import { isTargetGone } from "./target-gone.js";
import { applyOutcome, type WaveOutcome } from "./wave-outcome.js";

/** What {@link runWave} needs: the due records (indexes into `records`) and the ones re-applied. */
export interface WaveInput {
  kind: ChaosKind;
  obj: ChaosObject;
  records: readonly Record[];
  due: readonly number[];
  reapply: ReadonlySet<number>;
  phase: DesiredPhase;
  parallelism: number;
  ctx: ChaosImplContext;
  now: () => number;
}

/**
 * The wave: every due record applied or recovered through the kind, at most `parallelism` at once
 * (or what the kind's `waveParallelism` says for this experiment),
 * each failure its own (it never blocks the others). A Recover whose target no longer exists counts
 * as recovered (`Not Injected`, with why). Answers the outcomes in the records' order, whatever
 * order the calls ended in, so Events name them as the status lists them.
 */
export async function runWave(input: WaveInput): Promise<WaveOutcome[]> {
  const { kind, obj, records, ctx, now } = input;
  const outcomes: WaveOutcome[] = [];
  // one frozen copy for every call of the wave: a copy per call made a wave of N records cost N²
  // record copies (seconds at 1,000 records, minutes at 10,000)
  const view = deepFreeze(structuredClone(records));
  const parallelism = kind.impl.waveParallelism?.(obj) ?? input.parallelism;
  await runBounded(input.due, parallelism, async (index) => {
    const record = records[index]!;
    const reapplied = input.reapply.has(index);
    const operation = reapplied ? "Apply" : operationFor(input.phase, record)!;
    const outcome: WaveOutcome = { id: record.id, selectorKey: record.selectorKey, operation, reapplied, timestamp: "" };
    try {
      outcome.phase = operation === "Apply" ? await kind.impl.apply(ctx, index, view, obj) : await kind.impl.recover(ctx, index, view, obj);
    } catch (error) {
      const declined = operation === "Apply" ? declinedApply(error) : undefined;
      if (declined === "waiting") {
        outcome.failure = errorMessage(error);
        outcome.waiting = true;
      } else if (declined === "skipped") {
        outcome.phase = skippedPhase;
        outcome.skipped = errorMessage(error);
      } else if (operation === "Recover" && isTargetGone(error)) {
        outcome.phase = "Not Injected"; // nothing of the experiment is left in a target that no longer exists
        outcome.gone = errorMessage(error);
      } else outcome.failure = errorMessage(error);
    }
    outcome.timestamp = new Date(now()).toISOString();
    outcomes.push(outcome);
  });
  const position = new Map(records.map((r, i) => [recordKey(r), i]));
  return outcomes.sort((a, b) => position.get(recordKey(a))! - position.get(recordKey(b))!);
}

/** An apply the kind declined for now (impl-registry's ApplyWaiting / ApplySkipped), by name: one class per package copy is not guaranteed. */
function declinedApply(error: unknown): "waiting" | "skipped" | undefined {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === "ApplyWaiting" ? "waiting" : name === "ApplySkipped" ? "skipped" : undefined;
}

/** Every outcome of a wave as one status change (written in one write after the wave). */
export function outcomesMutation(outcomes: readonly WaveOutcome[], compaction: StatusCompaction): StatusMutation {
  return (status) => {
    const byKey = new Map((status.experiment?.containerRecords ?? []).map((r) => [recordKey(r), r]));
    for (const outcome of outcomes) {
      const stored = byKey.get(recordKey(outcome));
      if (stored) applyOutcome(stored, outcome, compaction);
    }
  };
}
