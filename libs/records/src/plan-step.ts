import { maxPlannedTargets, type ChaosCondition, type ExperimentPlan } from "@faultline/api";
import { UNDESCRIBED_RECORD_PLAN, selectorsOf, type ChaosImplContext, type ChaosKind, type ChaosObject, type RecordPlan } from "@faultline/impl-registry";
import { runBounded } from "./bounded-parallel.js";
import { withSelectionFailure } from "./chaos-conditions.js";
import type { SendEvent } from "./event-sender.js";
import { isPlanOnly } from "./desired-phase.js";
import { buildExperimentPlan, candidateRecords, failedExperimentPlan, planCandidates, plannedReason } from "./plan.js";
import { errorMessage } from "./record-key.js";
import { selectionFailureReason, specErrorReasons } from "./selection-failure.js";
import type { StatusBatch } from "./status-batch.js";
import type { TargetSelector } from "./target-selector.js";

/** What {@link planStep} needs. */
export interface PlanStepInput {
  kind: ChaosKind;
  obj: ChaosObject;
  selector: TargetSelector;
  batch: StatusBatch;
  send: SendEvent;
  ctx: ChaosImplContext;
  /** How many records' plans are computed at once. */
  parallelism: number;
  /** Epoch ms. */
  now: number;
  /** When a plan that selected nothing for a reason that can heal (no pod yet, the API server) is made again; default 10 s. */
  retryMs?: number;
}

/** What {@link planStep} found: whether the object is plan-only, and when to plan it again (a selection that can heal failed). */
export interface PlanStepOutcome {
  planOnly: boolean;
  retryInMs?: number;
}

const withoutPlanned = (conditions: readonly ChaosCondition[] | undefined) => (conditions ?? []).filter((c) => !(c.type === "Selected" && c.reason === plannedReason));

/**
 * The plan annotation (`faultline.chaos-mesh.org/plan: "true"`): stages `status.plan` — the
 * selectors' candidates before the mode picks, the node of each, and the kind's `plan` of each of
 * the first 200 (its capability check and its steps; a kind without `plan` says it does not
 * describe them) — and a Selected condition (True, reason `Planned`, or the selection's failure).
 * Computed again only when the object's generation differs from the plan's `observedGeneration`
 * (or there is no plan: the annotation was just set). Without the annotation, a plan left in the
 * status is removed. The desired phase is Stop while planning (`computeDesiredPhase`, cause
 * `PlanOnly`): nothing is injected. A plan whose selection failed for a reason that can heal (no
 * pod matched yet, the API server; not a spec error) is made again after `retryMs`.
 */
export async function planStep(input: PlanStepInput): Promise<PlanStepOutcome> {
  const { kind, obj, batch, send } = input;
  if (obj.metadata.deletionTimestamp) return { planOnly: false };
  const retryMs = input.retryMs ?? 10_000;
  const status = batch.writer.current.status;
  if (!isPlanOnly(obj.metadata)) {
    const planned = status?.conditions?.some((c) => c.type === "Selected" && c.reason === plannedReason);
    if (status?.plan !== undefined || planned) {
      batch.stage((s) => {
        delete s.plan;
        s.conditions = withoutPlanned(s.conditions);
      });
    }
    return { planOnly: false };
  }
  const generation = obj.metadata.generation ?? 0;
  if (status?.plan?.observedGeneration === generation) {
    const selected = status.conditions?.find((c) => c.type === "Selected");
    const healable = status.plan.candidates === 0 && selected?.status === "False" && !specErrorReasons.has(selected.reason ?? "");
    if (!healable) return { planOnly: true };
    const dueInMs = Date.parse(status.plan.generatedAt) + retryMs - input.now;
    if (dueInMs > 0) return { planOnly: true, retryInMs: dueInMs };
  }
  const generatedAt = new Date(input.now).toISOString();
  const [primary] = selectorsOf(kind, obj);
  let plan: ExperimentPlan;
  let selected: (conditions: readonly ChaosCondition[] | undefined) => ChaosCondition[];
  let retryInMs: number | undefined;
  try {
    if (!input.selector.candidates) throw new Error("this manager's target selector cannot list candidates");
    const selectors = await input.selector.candidates(kind, obj);
    const candidates = planCandidates(selectors);
    const records = candidateRecords(candidates);
    const shown = Math.min(records.length, maxPlannedTargets);
    const recordPlans: RecordPlan[] = new Array(shown);
    await runBounded(
      Array.from({ length: shown }, (_, i) => i),
      input.parallelism,
      async (index) => {
        try {
          recordPlans[index] = kind.impl.plan ? await kind.impl.plan(input.ctx, index, records, obj) : UNDESCRIBED_RECORD_PLAN;
        } catch (error) {
          recordPlans[index] = { capable: false, reason: `planning failed: ${errorMessage(error)}`, steps: [] };
        }
      },
    );
    const refusals = (await input.selector.refusals?.(kind, obj, selectors)) ?? []; // the guard rails' say
    plan = buildExperimentPlan({ selectors, recordPlans, generatedAt, observedGeneration: generation, refusals });
    const nodes = new Set(candidates.map((c) => c.node)).size;
    const message = `plan only: ${plan.candidates} candidate(s) on ${nodes} node(s), ${plan.randomness}; nothing injected`;
    selected = (conditions) => [{ type: "Selected", status: "True", reason: plannedReason, message }, ...(conditions ?? []).filter((c) => c.type !== "Selected")];
    send(obj, "Normal", plannedReason, `Planned ${plan.candidates} candidate(s) on ${nodes} node(s) (${plan.randomness}); nothing injected: see status.plan`);
  } catch (error) {
    const failure = errorMessage(error);
    plan = failedExperimentPlan({ mode: primary?.selector.mode ?? "one", ...(primary?.selector.value !== undefined && { value: primary.selector.value }), generatedAt, observedGeneration: generation, failure });
    const reason = selectionFailureReason(error);
    selected = (conditions) => withSelectionFailure(conditions, reason, failure);
    if (!specErrorReasons.has(reason)) retryInMs = retryMs;
    send(obj, "Warning", "Failed", `Failed to plan: ${failure}`);
  }
  batch.stage((s) => {
    s.plan = plan;
    s.conditions = selected(s.conditions);
  });
  return { planOnly: true, ...(retryInMs !== undefined && { retryInMs }) };
}
