import { maxPlannedTargets, type PlannedStep } from "@faultline/api";
import type { RecordPlan } from "@faultline/impl-registry";
import { buildExperimentPlan, candidateRecords, failedExperimentPlan, modePicks } from "./plan.js";
import type { PlanCandidate, SelectorCandidates } from "./plan-candidates.js";

const podCandidates = (n: number, selectorKey = "."): PlanCandidate[] =>
  Array.from({ length: n }, (_, i) => ({ recordId: `ns/pod-${i}`, selectorKey, pod: `ns/pod-${i}`, node: `node-${i % 2}` }));

const selectorOf = (mode: SelectorCandidates["mode"], n: number, value?: string): SelectorCandidates => ({
  selectorKey: ".",
  mode,
  ...(value !== undefined && { value }),
  unit: "pod",
  pods: n,
  targets: podCandidates(n),
});

describe("modePicks", () => {
  it("says how many each mode picks, and that the pick is random where it is", () => {
    expect(modePicks(selectorOf("one", 12))).toEqual({ picks: 1, randomness: "one of these 12 pods, picked at random at injection" });
    expect(modePicks(selectorOf("one", 1))).toEqual({ picks: 1, randomness: "the only pod" });
    expect(modePicks(selectorOf("all", 12))).toEqual({ picks: 12, randomness: "all 12 pods" });
    expect(modePicks(selectorOf("fixed", 12, "3"))).toEqual({ picks: 3, randomness: "3 of these 12 pods, picked at random at injection" });
    expect(modePicks(selectorOf("fixed", 2, "3"))).toEqual({ picks: 2, randomness: "all 2 pods" });
    expect(modePicks(selectorOf("fixed-percent", 12, "50"))).toEqual({ picks: 6, randomness: "6 (50%) of these 12 pods, picked at random at injection" });
    expect(modePicks(selectorOf("random-max-percent", 12, "50"))).toEqual({
      picks: 6,
      randomness: "up to 6 of these 12 pods (a random 0–50% each time), picked at random at injection; possibly none",
    });
  });

  it("counts container records per picked pod", () => {
    const targets = podCandidates(4).flatMap((c) => ["a", "b"].map((container) => ({ ...c, recordId: `${c.pod}/${container}`, container })));
    expect(modePicks({ selectorKey: ".", mode: "fixed", value: "2", unit: "container", pods: 4, targets })).toEqual({
      picks: 4,
      randomness: "2 of these 4 pods, picked at random at injection; 2 container records per pod",
    });
  });

  it("refuses a mode value the selection would refuse", () => {
    expect(() => modePicks(selectorOf("fixed", 3, "0"))).toThrow(/must be greater than 0/);
  });
});

describe("buildExperimentPlan", () => {
  const step: PlannedStep = { on: "api", patch: { op: "x" } };
  const plans = (n: number): RecordPlan[] => Array.from({ length: n }, (_, i) => (i === 1 ? { capable: false, reason: "node-1: no tc", steps: [] } : { capable: true, steps: [step] }));

  it("lists every candidate with its node, capability and steps, and the mode's picks", () => {
    const plan = buildExperimentPlan({ selectors: [selectorOf("one", 3)], recordPlans: plans(3), generatedAt: "2026-12-06T18:00:00.000Z", observedGeneration: 4 });
    expect(plan).toEqual({
      generatedAt: "2026-12-06T18:00:00.000Z",
      observedGeneration: 4,
      mode: "one",
      candidates: 3,
      picks: 1,
      randomness: "one of these 3 pods, picked at random at injection",
      targets: [
        { id: "ns/pod-0", pod: "ns/pod-0", node: "node-0", capable: true, steps: [step] },
        { id: "ns/pod-1", pod: "ns/pod-1", node: "node-1", capable: false, reason: "node-1: no tc", steps: [] },
        { id: "ns/pod-2", pod: "ns/pod-2", node: "node-0", capable: true, steps: [step] },
      ],
    });
  });

  it(`keeps at most ${maxPlannedTargets} targets and counts the rest`, () => {
    const plan = buildExperimentPlan({ selectors: [selectorOf("all", 250)], recordPlans: plans(maxPlannedTargets), generatedAt: "t", observedGeneration: 1 });
    expect(plan.targets).toHaveLength(maxPlannedTargets);
    expect(plan.truncatedTargets).toBe(50);
    expect(plan.candidates).toBe(250);
    expect(() => buildExperimentPlan({ selectors: [selectorOf("all", 250)], recordPlans: plans(3), generatedAt: "t", observedGeneration: 1 })).toThrow(
      "3 record plans for 200 planned targets",
    );
  });

  it("names each selector's randomness when there are several, the first selector's mode on top", () => {
    const target: SelectorCandidates = { selectorKey: "target", mode: "all", unit: "pod", pods: 2, targets: podCandidates(2, "target") };
    const plan = buildExperimentPlan({ selectors: [selectorOf("fixed", 4, "1"), target], recordPlans: plans(6), generatedAt: "t", observedGeneration: 1, refusals: ["too many"] });
    expect(plan).toMatchObject({ mode: "fixed", value: "1", candidates: 6, picks: 3, refusals: ["too many"] });
    expect(plan.randomness).toBe(".: 1 of these 4 pods, picked at random at injection; target: all 2 pods");
  });

  it("a failed selection: no target, its reason as a refusal", () => {
    expect(failedExperimentPlan({ mode: "all", generatedAt: "t", observedGeneration: 2, failure: "no pod is selected" })).toEqual({
      generatedAt: "t",
      observedGeneration: 2,
      mode: "all",
      candidates: 0,
      picks: 0,
      randomness: "nothing: no target can be selected",
      targets: [],
      refusals: ["no pod is selected"],
    });
  });

  it("candidateRecords: the fresh records a kind's plan is handed", () => {
    expect(candidateRecords(podCandidates(1))).toEqual([{ id: "ns/pod-0", selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }]);
  });
});
