import { currentPlan, managerKnowsPlan, planObject, planRefusal, readChaosObjectYaml } from "./plan-object.js";
import { patchLines } from "./plan-render.js";

describe("plan-object (shared by faultline plan and the dashboard's Preview targets)", () => {
  it("planObject: a generated name, the plan and pause annotations, no server-set metadata, no status", () => {
    const manifest = {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "PodChaos",
      metadata: { name: "web", namespace: "old", uid: "u", resourceVersion: "9", labels: { team: "x" }, annotations: { keep: "1" } },
      spec: { action: "pod-kill" },
      status: { plan: {} },
    };
    expect(planObject(manifest, "web", "shop")).toEqual({
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "PodChaos",
      metadata: { generateName: "web-plan-", namespace: "shop", labels: { team: "x" }, annotations: { keep: "1", "faultline.chaos-mesh.org/plan": "true", "experiment.chaos-mesh.org/pause": "true" } },
      spec: { action: "pod-kill" },
    });
  });

  it("currentPlan: only a plan for the current generation", () => {
    const plan = { observedGeneration: 2 } as never;
    expect(currentPlan({ metadata: { generation: 3 }, status: { plan } })).toBeUndefined();
    expect(currentPlan({ metadata: { generation: 2 }, status: { plan } })).toBe(plan);
  });

  it("managerKnowsPlan: only when the KillSwitch resource is served", () => {
    expect(managerKnowsPlan(undefined)).toBe(false);
    expect(managerKnowsPlan({ resources: [{ name: "other" }] })).toBe(false);
    expect(managerKnowsPlan({ resources: [{ name: "killswitches" }] })).toBe(true);
    expect(planRefusal()).toMatch(/^refusing to plan: the cluster does not serve killswitches\.faultline\.chaos-mesh\.org\/v1alpha1/);
  });

  it("readChaosObjectYaml names what is wrong", () => {
    expect(() => readChaosObjectYaml("a: 1\n---\nb: 2\n")).toThrow("one chaos object expected, the text holds 2 documents");
    expect(() => readChaosObjectYaml("apiVersion: v1\nkind: Pod\n")).toThrow('apiVersion must be chaos-mesh.org/v1alpha1, not "v1"');
    expect(() => readChaosObjectYaml("apiVersion: chaos-mesh.org/v1alpha1\n")).toThrow("kind is missing");
    expect(readChaosObjectYaml("apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\n").kind).toBe("PodChaos");
  });

  it("patchLines: indented for the CLI, bare for the dashboard", () => {
    const patch = { method: "PATCH", path: "/api/v1/x", body: { a: 1 } };
    expect(patchLines(patch)).toEqual(['         PATCH /api/v1/x', '         {"a":1}']);
    expect(patchLines(patch, "")).toEqual(["PATCH /api/v1/x", '{"a":1}']);
    expect(patchLines([1], "")).toEqual(["[1]"]);
  });
});
