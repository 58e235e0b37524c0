// PodChaos's PodDisruptionBudget guard rail through its apply, on pods and PDBs in memory: pod-kill's
// Eviction and its 429, pod-failure's check (one wave over a Deployment fails only what the PDB
// allows: the checks run one at a time per namespace and see the patches before them), the modes.
import type { RecordDecoder } from "@faultline/daemon-client";
import { ApplySkipped, ApplyWaiting } from "@faultline/impl-registry";
import type { CoreV1Api, CustomObjectsApi, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { PodChaos } from "./pod-chaos-crd.js";
import { podChaosManager } from "./pod-chaos-manager.js";
import type { PodDisruptionBudgetMode } from "./pod-disruption-budget.js";
import type { JsonPatchOperation } from "./pod-failure-patch.js";

const ctx = { signal: new AbortController().signal, namespacedName: "shop/x" };
const readyPod = (name: string): V1Pod => ({
  metadata: { namespace: "shop", name, uid: `uid-${name}`, labels: { app: "web" } },
  spec: { containers: [{ name: "web", image: "nginx:1.27" }] },
  status: { conditions: [{ type: "Ready", status: "True" }] },
});
const pdb: V1PodDisruptionBudget = {
  metadata: { namespace: "shop", name: "web", generation: 1 },
  spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } },
  status: { disruptionsAllowed: 1, desiredHealthy: 2, currentHealthy: 3, expectedPods: 3, observedGeneration: 1 },
};
const chaos = (action: "pod-kill" | "pod-failure", podDisruptionBudget?: PodDisruptionBudgetMode): PodChaos =>
  ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { namespace: "shop", name: "x", uid: "chaos-uid" }, spec: { action, mode: "all", selector: {}, ...(podDisruptionBudget && { podDisruptionBudget }) } }) as PodChaos;
const records = ["web-0", "web-1", "web-2"].map((name) => ({ id: `shop/${name}`, selectorKey: ".", phase: "Not Injected" as const, injectedCount: 0, recoveredCount: 0 }));

/** Three Ready pods under a PDB allowing one disruption; the API calls the manager makes, recorded. */
function cluster(defaultMode?: PodDisruptionBudgetMode) {
  const pods = new Map(["web-0", "web-1", "web-2"].map((name) => [name, readyPod(name)]));
  const calls: string[] = [];
  let evictions = 0;
  const later = () => new Promise((resolve) => setTimeout(resolve, 1)); // every call yields, as a real one would
  const core = {
    async patchNamespacedPod({ name, body }: { name: string; body: JsonPatchOperation[] }) {
      await later();
      calls.push(`patch ${name}`);
      const pod = pods.get(name)!;
      const annotations = { ...pod.metadata!.annotations };
      for (const op of body) if (op.op === "add" && op.path.startsWith("/metadata/annotations/")) annotations[op.path.split("/").pop()!.replace("~1", "/")] = String(op.value);
      pods.set(name, { ...pod, metadata: { ...pod.metadata, annotations } });
    },
    async listNamespacedPod() {
      await later();
      return { items: [...pods.values()] };
    },
    async createNamespacedPodEviction({ name }: { name: string }) {
      await later();
      calls.push(`evict ${name}`);
      if (++evictions > 1) throw { code: 429, body: JSON.stringify({ message: "Cannot evict pod as it would violate the pod's disruption budget.", details: { causes: [{ reason: "DisruptionBudget", message: "The disruption budget web needs 2 healthy pods and has 2 currently" }] } }) };
    },
    async deleteNamespacedPod({ name }: { name: string }) {
      calls.push(`delete ${name}`);
    },
  } as unknown as CoreV1Api;
  const customObjects = {
    async listNamespacedCustomObject({ group, plural }: { group: string; plural: string }) {
      await later();
      calls.push(`list ${group}/${plural}`);
      return { items: [pdb] };
    },
  } as unknown as CustomObjectsApi;
  const impl = podChaosManager({
    decoder: {} as RecordDecoder,
    pods: { readPod: async (_ns, name) => pods.get(name) },
    core,
    customObjects,
    log: () => undefined,
    ...(defaultMode && { podDisruptionBudget: defaultMode }),
  });
  const wave = (obj: PodChaos) => Promise.allSettled(records.map((_, i) => impl.apply(ctx, i, records, obj)));
  return { pods, calls, impl, wave };
}

describe("PodChaos and PodDisruptionBudgets", () => {
  it("pod-failure over a PDB's three pods at once (Wait, the default): one fails, the others wait naming the PDB", async () => {
    const { pods, wave } = cluster();
    const outcomes = await wave(chaos("pod-failure"));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    const waiting = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected").map((o) => o.reason);
    expect(waiting).toHaveLength(2);
    for (const reason of waiting) {
      expect(reason).toBeInstanceOf(ApplyWaiting);
      expect(reason.message).toBe("PodDisruptionBudget shop/web allows no more disruption: 2 of its 3 pods healthy, at least 2 must stay healthy (spec.podDisruptionBudget: Wait)");
    }
    expect([...pods.values()].filter((p) => Object.keys(p.metadata?.annotations ?? {}).length > 0)).toHaveLength(1);
  });

  it("Skip skips instead (the manager's default or the object's field, which wins)", async () => {
    const byDefault = cluster("Skip");
    const skipped = (await byDefault.wave(chaos("pod-failure"))).filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(skipped.map((o) => o.reason)).toEqual([expect.any(ApplySkipped), expect.any(ApplySkipped)]);
    const byField = cluster("Skip");
    const waited = (await byField.wave(chaos("pod-failure", "Wait"))).filter((o): o is PromiseRejectedResult => o.status === "rejected");
    expect(waited.map((o) => o.reason)).toEqual([expect.any(ApplyWaiting), expect.any(ApplyWaiting)]);
  });

  it("Ignore fails every pod and reads no PDB (Chaos Mesh's behaviour)", async () => {
    const { calls, wave } = cluster();
    expect((await wave(chaos("pod-failure", "Ignore"))).every((o) => o.status === "fulfilled")).toBe(true);
    expect(calls.filter((c) => c.startsWith("list"))).toEqual([]);
    expect(calls.filter((c) => c.startsWith("patch"))).toHaveLength(3);
  });

  it("pod-kill evicts; the API server's 429 makes the record wait (or be skipped) with its words; Ignore deletes", async () => {
    const waiting = cluster();
    const outcomes = await waiting.wave(chaos("pod-kill"));
    expect(waiting.calls.filter((c) => c.startsWith("evict"))).toHaveLength(3);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected").map((o) => o.reason);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toBeInstanceOf(ApplyWaiting);
    expect(refused[0].message).toBe(
      "eviction refused by the API server: Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently (spec.podDisruptionBudget: Wait)",
    );
    const skipping = cluster();
    expect((await skipping.wave(chaos("pod-kill", "Skip"))).filter((o) => o.status === "rejected").map((o) => (o as PromiseRejectedResult).reason)).toEqual([expect.any(ApplySkipped), expect.any(ApplySkipped)]);
    const ignoring = cluster();
    await ignoring.wave(chaos("pod-kill", "Ignore"));
    expect(ignoring.calls.sort()).toEqual(["delete web-0", "delete web-1", "delete web-2"]);
  });
});
