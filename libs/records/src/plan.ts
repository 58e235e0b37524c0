import { maxPlannedTargets, planAnnotation, planOnlyReason, type ExperimentPlan, type PlannedTarget, type Record } from "@faultline/api";
import type { RecordPlan } from "@faultline/impl-registry";
import { selectionCount } from "@faultline/selector";
import type { PausedBy } from "./chaos-conditions.js";
import type { PlanCandidate, SelectorCandidates } from "./plan-candidates.js";

/** The Paused condition while the plan annotation is set. */
export const planOnlyPause: PausedBy = {
  reason: planOnlyReason,
  message: `the ${planAnnotation} annotation is "true": status.plan says what would be done; nothing is injected`,
};

/** The reason of the Selected condition while planning: True when the selector matched candidates. */
export const plannedReason = "Planned";

// the largest draw, so random-max-percent answers the most it may pick
const largestDraw = () => 1 - Number.EPSILON;

/** How many records the mode of one selector would pick at injection (random-max-percent: at most), and the same for people. */
export function modePicks(selector: SelectorCandidates): { picks: number; randomness: string } {
  const { mode, value, pods, targets } = selector;
  const pickedPods = selectionCount(mode, value, pods, largestDraw);
  const perPod = pods === 0 ? 0 : targets.length / pods;
  const picks = pickedPods * perPod;
  const these = `these ${pods} pod${pods === 1 ? "" : "s"}`;
  const atRandom = "picked at random at injection";
  let text: string;
  if (pickedPods >= pods) text = pods === 1 ? "the only pod" : `all ${pods} pods`;
  else if (mode === "one") text = `one of ${these}, ${atRandom}`;
  else if (mode === "random-max-percent") text = `up to ${pickedPods} of ${these} (a random 0–${value}% each time), ${atRandom}; possibly none`;
  else if (mode === "fixed-percent") text = `${pickedPods} (${value}%) of ${these}, ${atRandom}`;
  else text = `${pickedPods} of ${these}, ${atRandom}`;
  if (selector.unit === "container" && pods > 0) text += `; ${perPod} container record${perPod === 1 ? "" : "s"} per pod`;
  return { picks, randomness: text };
}

/** Every candidate of every selector, in the selectors' order: the records a plan describes. */
export function planCandidates(selectors: readonly SelectorCandidates[]): PlanCandidate[] {
  return selectors.flatMap((s) => s.targets);
}

/** The records the candidates would become, fresh (`Not Injected`): what a kind's `plan` is handed. */
export function candidateRecords(candidates: readonly PlanCandidate[]): Record[] {
  return candidates.map((c): Record => ({ id: c.recordId, selectorKey: c.selectorKey, phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }));
}

/** What {@link buildExperimentPlan} assembles. */
export interface ExperimentPlanInput {
  selectors: readonly SelectorCandidates[];
  /** The kind's plan of each of the first {@link maxPlannedTargets} candidates, in order. */
  recordPlans: readonly RecordPlan[];
  generatedAt: string;
  observedGeneration: number;
  refusals?: readonly string[];
}

/**
 * `status.plan` from the selectors' candidates and the kind's plan of each: mode and value (the
 * first selector's), how many candidates and picks, the randomness for people (each selector's,
 * keyed when there are several), and the first {@link maxPlannedTargets} targets.
 */
export function buildExperimentPlan(input: ExperimentPlanInput): ExperimentPlan {
  const candidates = planCandidates(input.selectors);
  const first = input.selectors[0];
  const described = input.selectors.map((s) => ({ key: s.selectorKey, ...modePicks(s) }));
  const randomness = described.length === 1 ? described[0]!.randomness : described.map((d) => `${d.key}: ${d.randomness}`).join("; ");
  const shown = candidates.slice(0, maxPlannedTargets);
  if (input.recordPlans.length !== shown.length) throw new Error(`${input.recordPlans.length} record plans for ${shown.length} planned targets`);
  const targets = shown.map((c, i): PlannedTarget => {
    const plan = input.recordPlans[i]!;
    return {
      id: c.recordId,
      pod: c.pod,
      ...(c.container !== undefined && { container: c.container }),
      node: c.node,
      capable: plan.capable,
      ...(plan.reason !== undefined && { reason: plan.reason }),
      steps: [...plan.steps],
    };
  });
  return {
    generatedAt: input.generatedAt,
    observedGeneration: input.observedGeneration,
    mode: first?.mode ?? "one",
    ...(first?.value !== undefined && { value: first.value }),
    candidates: candidates.length,
    picks: described.reduce((sum, d) => sum + d.picks, 0),
    randomness,
    targets,
    ...(candidates.length > shown.length && { truncatedTargets: candidates.length - shown.length }),
    ...(input.refusals && input.refusals.length > 0 && { refusals: [...input.refusals] }),
  };
}

/** `status.plan` when the selection itself fails (no pod matched, a bad mode): no target, the reason as a refusal. */
export function failedExperimentPlan(input: { mode: string; value?: string; generatedAt: string; observedGeneration: number; failure: string }): ExperimentPlan {
  return {
    generatedAt: input.generatedAt,
    observedGeneration: input.observedGeneration,
    mode: input.mode,
    ...(input.value !== undefined && { value: input.value }),
    candidates: 0,
    picks: 0,
    randomness: "nothing: no target can be selected",
    targets: [],
    refusals: [input.failure],
  };
}
