import { toJson } from "@bufbuild/protobuf";
import { ContainerKillManyRequestSchema, type ContainerKillManyRequest, type Record } from "@faultline/api";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import type { CoreV1Api, CustomObjectsApi, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { PodChaos } from "./pod-chaos-crd.js";
import { podChaosManager } from "./pod-chaos-manager.js";

// PodChaos's plan against in-memory seams: what it shows is what apply sends (a recording API
// client and daemon), and planning writes nothing.
const cid = "containerd://" + "c".repeat(64);
const readyPod = (name: string): V1Pod => ({
  metadata: { namespace: "app", name, uid: `uid-${name}`, labels: { app: "web" } },
  spec: { nodeName: "node-1", containers: [{ name: "main", image: "busybox:1" }] },
  status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "main", containerID: cid, image: "busybox:1", imageID: "", ready: true, restartCount: 0 }] },
});
const pods = [readyPod("web-0"), readyPod("web-1")];
const records: Record[] = ["app/web-0", "app/web-1"].map((id) => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }));
const containerRecords: Record[] = [{ id: "app/web-0/main", selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }];
const ctx = { signal: new AbortController().signal, namespacedName: "app/fail" };
const chaos = (spec: Partial<PodChaos["spec"]>): PodChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "PodChaos",
  metadata: { namespace: "app", name: "fail", uid: "chaos-uid" },
  spec: { selector: { namespaces: ["app"] }, mode: "all", action: "pod-failure", ...spec },
});
const pdb = (minAvailable: number): V1PodDisruptionBudget => ({
  metadata: { namespace: "app", name: "web", generation: 1 },
  spec: { selector: { matchLabels: { app: "web" } }, minAvailable },
  status: { observedGeneration: 1, disruptionsAllowed: 2 - minAvailable, desiredHealthy: minAvailable, currentHealthy: 2, expectedPods: 2 },
});

function setup(budgets: V1PodDisruptionBudget[] = []) {
  const writes: { call: string; args: unknown }[] = [];
  const core = {
    async patchNamespacedPod(args: unknown) {
      writes.push({ call: "patchNamespacedPod", args });
      return {};
    },
    async deleteNamespacedPod(args: unknown) {
      writes.push({ call: "deleteNamespacedPod", args });
      return {};
    },
    async createNamespacedPodEviction(args: unknown) {
      writes.push({ call: "createNamespacedPodEviction", args });
      return {};
    },
    async listNamespacedPod() {
      return { items: pods };
    },
  } as unknown as CoreV1Api;
  const customObjects = { listNamespacedCustomObject: async () => ({ items: budgets }) } as unknown as CustomObjectsApi;
  const killed: ContainerKillManyRequest[] = [];
  const daemons = createInMemoryDaemonClientPool(
    {
      async containerKillMany(req) {
        killed.push(req);
        return { results: req.containerIds.map((containerId) => ({ containerId, code: 0, message: "" })) };
      },
    },
    { nodes: ["node-1"] },
  );
  const podSource = createInMemoryPodSource({ pods });
  const impl = podChaosManager({ decoder: createRecordDecoder({ pods: podSource, daemons }), pods: podSource, core, customObjects, log: () => {}, pauseImage: "pause:test" });
  return { impl, writes, killed };
}

describe("PodChaos plan", () => {
  it("pod-failure: the JSON Patch apply sends, for the pod as it is now, and no write", async () => {
    const { impl, writes } = setup();
    const obj = chaos({ podDisruptionBudget: "Ignore" });
    const plan = await impl.plan!(ctx, 0, records, obj);
    expect(writes).toEqual([]);
    await impl.apply(ctx, 0, records, obj);
    const sent = (writes[0]!.args as { body: unknown }).body;
    expect(plan).toEqual({
      capable: true,
      steps: [
        {
          on: "api",
          patch: { method: "PATCH", path: "/api/v1/namespaces/app/pods/web-0", contentType: "application/json-patch+json", body: sent },
          note: "every container runs pause:test; the original images kept in the pod's annotations for recovery",
        },
      ],
    });
    expect(sent).toEqual(expect.arrayContaining([{ op: "replace", path: "/spec/containers/0/image", value: "pause:test" }]));
  });

  it("pod-failure under a PodDisruptionBudget that allows nothing: the step says the record would wait", async () => {
    const { impl, writes } = setup([pdb(2)]);
    const plan = await impl.plan!(ctx, 0, records, chaos({}));
    expect(writes).toEqual([]);
    expect(plan.capable).toBe(true);
    expect(plan.steps[0]!.note).toMatch(/now PodDisruptionBudget app\/web allows no more disruption: .*: the record would wait \(spec\.podDisruptionBudget: Wait\)$/);
    const allowed = await setup([pdb(1)]).impl.plan!(ctx, 0, records, chaos({ podDisruptionBudget: "Skip" }));
    expect(allowed.steps[0]!.note).toMatch(/; no PodDisruptionBudget refuses it now$/);
  });

  it("pod-kill: the Eviction apply creates, or the DELETE when PDBs are ignored, with the grace period", async () => {
    const { impl, writes } = setup();
    const evict = chaos({ action: "pod-kill", gracePeriod: 5 });
    const evictionPlan = await impl.plan!(ctx, 1, records, evict);
    const deletePlan = await impl.plan!(ctx, 1, records, chaos({ action: "pod-kill", podDisruptionBudget: "Ignore" }));
    expect(writes).toEqual([]);
    await impl.apply(ctx, 1, records, evict);
    const eviction = (writes[0]!.args as { body: object }).body;
    expect(evictionPlan.steps).toEqual([
      {
        on: "api",
        patch: { method: "POST", path: "/api/v1/namespaces/app/pods/web-1/eviction", body: { apiVersion: "policy/v1", kind: "Eviction", ...eviction } },
        note: expect.stringMatching(/^an Eviction: .*the record then waits \(spec\.podDisruptionBudget: Wait\)$/),
      },
    ]);
    expect(eviction).toEqual({ metadata: { namespace: "app", name: "web-1" }, deleteOptions: { gracePeriodSeconds: 5 } });
    expect(deletePlan.steps[0]!.patch).toEqual({ method: "DELETE", path: "/api/v1/namespaces/app/pods/web-1", body: { gracePeriodSeconds: 0 } });
  });

  it("container-kill: the ContainerKillMany request apply sends to the container's node", async () => {
    const { impl, killed } = setup();
    const obj = chaos({ action: "container-kill", containerNames: ["main"] });
    const plan = await impl.plan!(ctx, 0, containerRecords, obj);
    expect(killed).toEqual([]);
    await impl.apply(ctx, 0, containerRecords, obj);
    expect(plan).toEqual({
      capable: true,
      steps: [{ on: "daemon", rpc: "ContainerKillMany", request: toJson(ContainerKillManyRequestSchema, killed[0]!), note: expect.stringMatching(/^the daemon of node node-1 finds the container's init process and kills it/) }],
    });
  });

  it("a pod that is gone: not capable, naming it", async () => {
    const { impl } = setup();
    const gone: Record[] = [{ id: "app/web-9", selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }];
    await expect(impl.plan!(ctx, 0, gone, chaos({}))).resolves.toEqual({ capable: false, reason: "pod app/web-9 not found", steps: [] });
  });
});
