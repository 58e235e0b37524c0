import type { V1LabelSelector, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { budgetsCovering, evictionRefusal, parsePodDisruptionBudgetSetting, podFailureBudgetRefusal } from "./pod-disruption-budget.js";

const pod = (name: string, { ready = true, app = "web", failed = false } = {}): V1Pod => ({
  metadata: { namespace: "ns", name, labels: { app }, ...(failed && { annotations: { "pod-failure.chaos-mesh.org/main": '{"image":"busybox","by":["u"]}' } }) },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});
const pdb = (fields: { disruptionsAllowed: number; desiredHealthy: number; selector?: V1LabelSelector; generation?: number; observedGeneration?: number }): V1PodDisruptionBudget => ({
  metadata: { namespace: "ns", name: "web", generation: fields.generation ?? 1 },
  spec: { minAvailable: 2, selector: fields.selector ?? { matchLabels: { app: "web" } } },
  status: { disruptionsAllowed: fields.disruptionsAllowed, desiredHealthy: fields.desiredHealthy, currentHealthy: 3, expectedPods: 3, observedGeneration: fields.observedGeneration ?? 1 },
});

describe("podFailureBudgetRefusal", () => {
  const three = [pod("w-0"), pod("w-1"), pod("w-2")];

  it("allows while the PDB allows a disruption, and refuses naming the PDB and its numbers once it does not", () => {
    expect(podFailureBudgetRefusal(three[0]!, [pdb({ disruptionsAllowed: 1, desiredHealthy: 2 })], three)).toBeUndefined();
    expect(podFailureBudgetRefusal(three[0]!, [pdb({ disruptionsAllowed: 0, desiredHealthy: 3 })], three)).toBe(
      "PodDisruptionBudget ns/web allows no more disruption: 3 of its 3 pods healthy, at least 3 must stay healthy",
    );
  });

  it("counts a pod another pod-failure holds (its pause container Ready, the PDB's status not caught up) as disrupted", () => {
    // the PDB's status still says 1 allowed: w-0 was failed a moment ago and its pause container is Ready
    const now = [pod("w-0", { failed: true }), pod("w-1"), pod("w-2")];
    expect(podFailureBudgetRefusal(now[1]!, [pdb({ disruptionsAllowed: 1, desiredHealthy: 2 })], now)).toBe(
      "PodDisruptionBudget ns/web allows no more disruption: 2 of its 3 pods healthy, at least 2 must stay healthy",
    );
  });

  it("passes a target that is not healthy now (it takes nothing away), and pods no PDB covers", () => {
    const now = [pod("w-0", { ready: false }), pod("w-1"), pod("w-2")];
    expect(podFailureBudgetRefusal(now[0]!, [pdb({ disruptionsAllowed: 0, desiredHealthy: 2 })], now)).toBeUndefined();
    expect(podFailureBudgetRefusal(pod("other", { app: "db" }), [pdb({ disruptionsAllowed: 0, desiredHealthy: 3 })], three)).toBeUndefined();
  });

  it("allows nothing under a PDB the disruption controller has not processed yet", () => {
    expect(podFailureBudgetRefusal(three[0]!, [pdb({ disruptionsAllowed: 1, desiredHealthy: 2, generation: 2, observedGeneration: 1 })], three)).toBe(
      "PodDisruptionBudget ns/web has not been processed by the disruption controller yet",
    );
  });
});

describe("budgetsCovering", () => {
  it("matches label selectors as the API server does: an empty selector every pod, none without one", () => {
    const all = pdb({ disruptionsAllowed: 0, desiredHealthy: 0, selector: {} });
    const none: V1PodDisruptionBudget = { ...all, spec: {} };
    const byExpression = pdb({ disruptionsAllowed: 0, desiredHealthy: 0, selector: { matchExpressions: [{ key: "app", operator: "In", values: ["db"] }] } });
    expect(budgetsCovering(pod("w"), [all, none, byExpression])).toEqual([all]);
    expect(budgetsCovering(pod("d", { app: "db" }), [byExpression])).toEqual([byExpression]);
  });
});

describe("evictionRefusal", () => {
  it("words the API server's 429 with the PDB from its causes; any other error is not one", () => {
    const body = JSON.stringify({
      kind: "Status",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: "TooManyRequests",
      details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web needs 2 healthy pods and has 2 currently" }] },
      code: 429,
    });
    expect(evictionRefusal({ code: 429, body })).toBe(
      "eviction refused by the API server: Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently",
    );
    expect(evictionRefusal({ code: 404, body: "{}" })).toBeUndefined();
    expect(evictionRefusal(new Error("socket hang up"))).toBeUndefined();
  });
});

describe("parsePodDisruptionBudgetSetting", () => {
  it("is Wait when unset, one of the three modes, and refuses anything else naming the setting", () => {
    expect(parsePodDisruptionBudgetSetting(undefined)).toBe("Wait");
    expect(parsePodDisruptionBudgetSetting("Skip")).toBe("Skip");
    expect(parsePodDisruptionBudgetSetting("Ignore")).toBe("Ignore");
    expect(() => parsePodDisruptionBudgetSetting("wait")).toThrow('--kind-setting PodChaos.podDisruptionBudget must be Wait, Skip or Ignore, got "wait"');
  });
});
