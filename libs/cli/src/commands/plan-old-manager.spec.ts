import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExperimentPlan } from "@faultline/api";
import { bufferIo, fakeKube, forbidden, type SentRequest } from "../fake-kube.test-support.js";
import { runPlan } from "./plan.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-plan-"));
const file = join(dir, "kill.yaml");
writeFileSync(file, "apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata:\n  name: kill\nspec:\n  action: pod-kill\n  mode: one\n  selector: {namespaces: [shop]}\n");

const chaosDiscovery = { status: 200, body: { resources: [{ name: "podchaos", singularName: "podchaos", kind: "PodChaos", namespaced: true }] } };
const plan: ExperimentPlan = { generatedAt: "2026-12-06T18:00:00Z", observedGeneration: 1, mode: "one", candidates: 0, picks: 0, randomness: "no pod", targets: [] };

/** The API server of a cluster with or without the KillSwitch CRD (the release that brought plan). */
function cluster(faultlineGroup: "served" | "absent" | "without-killswitches" | "forbidden") {
  return (r: SentRequest) => {
    if (r.method === "GET" && r.path === "/apis/chaos-mesh.org/v1alpha1") return chaosDiscovery;
    if (r.method === "GET" && r.path === "/apis/faultline.chaos-mesh.org/v1alpha1") {
      if (faultlineGroup === "absent") return undefined;
      if (faultlineGroup === "forbidden") return forbidden("discovery");
      return { status: 200, body: { resources: faultlineGroup === "served" ? [{ name: "killswitches", kind: "KillSwitch", namespaced: false }] : [{ name: "somethingelse", kind: "Other", namespaced: false }] } };
    }
    if (r.method === "POST") return { status: 201, body: { metadata: { name: "kill-plan-abcde", generation: 1 } } };
    if (r.method === "GET") return { status: 200, body: { metadata: { generation: 1 }, status: { plan } } };
    if (r.method === "DELETE") return { status: 200, body: {} };
    return undefined;
  };
}

describe("plan against a manager from before the plan annotation", () => {
  it.each(["absent", "without-killswitches"] as const)("refuses (exit 1) without creating anything when killswitches.faultline.chaos-mesh.org is not served (%s)", async (state) => {
    const kube = fakeKube(cluster(state));
    const io = bufferIo();
    await expect(runPlan(kube, io, { file, output: "json", timeoutMs: 1000 })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^refusing to plan: the cluster does not serve killswitches\.faultline\.chaos-mesh\.org\/v1alpha1, so its Faultline manager is too old to plan safely/),
    });
    expect(kube.sent.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("a refused discovery is an error naming it, and nothing is created", async () => {
    const kube = fakeKube(cluster("forbidden"));
    await expect(runPlan(kube, bufferIo(), { file, output: "json", timeoutMs: 1000 })).rejects.toMatchObject({ status: 403 });
    expect(kube.sent.filter((r) => r.method !== "GET")).toEqual([]);
  });

  it("plans when the cluster serves killswitches: the object created paused and plan-only, then deleted", async () => {
    const kube = fakeKube(cluster("served"));
    const io = bufferIo();
    expect(await runPlan(kube, io, { file, output: "json", timeoutMs: 1000 })).toBe(0);
    expect(JSON.parse(io.out())).toEqual(plan);
    const created = kube.sent.find((r) => r.method === "POST")!;
    expect(created.path).toBe("/apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos");
    expect((created.body as { metadata: { annotations: object } }).metadata.annotations).toEqual({ "faultline.chaos-mesh.org/plan": "true", "experiment.chaos-mesh.org/pause": "true" });
    expect(kube.sent.at(-1)).toEqual({ method: "DELETE", path: "/apis/chaos-mesh.org/v1alpha1/namespaces/shop/podchaos/kill-plan-abcde" });
  });
});
