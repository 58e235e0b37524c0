// createCachedPodSource over a real watch of every pod (ResilientWatch, group "", slimPod), checked
// against createKubernetesPodSource on the local cluster's API server: the same pods, in the same
// order, for label, expression and field selectors, and selectPods' phase and node filters.
import type { PodSelectorSpec } from "@faultline/api";
import { ResilientWatch } from "@faultline/controller";
import { CoreV1Api, type V1Pod } from "@kubernetes/client-node";
import { createCachedPodSource } from "./cached-pod-source.js";
import { createKubernetesPodSource } from "./kubernetes-pod-source.js";
import { ClusterObjects, localClusterKubeConfig } from "./local-cluster.test-support.js";
import type { PodQuery, PodSource } from "./pod-source.js";
import { selectPods } from "./select-pods.js";
import { slimPod } from "./slim-pod.js";

let objects: ClusterObjects;
let watch: ResilientWatch<V1Pod>;
let api: PodSource;
let cached: PodSource;
let nsA: string;
let nsB: string;
let nodes: string[];

const names = (pods: readonly V1Pod[]) => pods.map((p) => `${p.metadata!.namespace}/${p.metadata!.name}`);

beforeAll(async () => {
  const { kubeConfig } = await localClusterKubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  objects = new ClusterObjects(kubeConfig);
  nsA = await objects.namespace("cache-a");
  nsB = await objects.namespace("cache-b");
  nodes = [(await objects.node("cache-1", { zone: "z1" })).metadata!.name!, (await objects.node("cache-2", { zone: "z2" })).metadata!.name!];
  const phases = ["Running", "Pending", "Succeeded", "Failed"];
  const tiers = ["web", "db", "cache"];
  await Promise.all(
    Array.from({ length: 24 }, (_, i) =>
      objects.pod({
        namespace: i % 3 === 0 ? nsB : nsA,
        name: `pod-${String.fromCharCode(97 + ((i * 7) % 26))}${i}`,
        labels: { tier: tiers[i % 3]!, ...(i % 4 === 0 && { canary: "true" }), ...(i % 5 === 0 && { "example.com/team": "t" + (i % 2) }) },
        phase: phases[i % 4],
        nodeName: nodes[i % 2], // every pod bound: on a full cluster the scheduler would bind an unbound one meanwhile
      }),
    ),
  );
  api = createKubernetesPodSource(core);
  watch = new ResilientWatch<V1Pod>({ kubeConfig, group: "", version: "v1", plural: "pods", transform: slimPod, resyncPeriodMs: 0, handler: () => {} });
  await watch.start();
  cached = createCachedPodSource(watch, api);
}, 300_000);

afterAll(async () => {
  await watch?.stop();
  await objects?.deleteAll();
}, 60_000);

describe("createCachedPodSource over a watch of every pod (real API server)", () => {
  test("listPods answers as the API server for labels, expressions and every selectable field", async () => {
    const queries: PodQuery[] = [
      { namespace: nsA },
      { namespace: nsB, labelSelector: { matchLabels: { tier: "web" } } },
      { namespace: nsA, labelSelector: { matchLabels: { tier: "db", canary: "true" } } },
      { namespace: nsA, labelSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["web", "cache"] }, { key: "canary", operator: "DoesNotExist" }] } },
      { namespace: nsA, labelSelector: { matchExpressions: [{ key: "example.com/team", operator: "NotIn", values: ["t0"] }, { key: "tier", operator: "Exists" }] } },
      { namespace: nsA, fieldSelector: { "status.phase": "Running" } },
      { namespace: nsA, fieldSelector: { "spec.nodeName": nodes[0]! } },
      { namespace: nsA, fieldSelector: { "spec.nodeName": "" } },
      { namespace: nsB, fieldSelector: { "spec.nodeName": nodes[1]!, "status.phase": "Pending" } },
      { namespace: nsA, fieldSelector: { "metadata.name": "pod-h1" } },
      { namespace: nsA, fieldSelector: { "metadata.namespace": nsA, "spec.restartPolicy": "Always" } },
      { namespace: nsA, fieldSelector: { "spec.schedulerName": "default-scheduler", "spec.serviceAccountName": "default" } },
      { namespace: nsA, fieldSelector: { "spec.hostNetwork": "false" } },
      { namespace: nsA, fieldSelector: { "status.podIP": "" } },
      { namespace: nsA, fieldSelector: { "status.nominatedNodeName": "" }, labelSelector: { matchLabels: { tier: "cache" } } },
    ];
    for (const query of queries) {
      const expected = names(await api.listPods(query));
      expect([query, names(await cached.listPods(query))]).toEqual([query, expected]);
    }
    expect(names(await cached.listPods({ namespace: nsA })).length).toBeGreaterThan(10);
  });

  test("selectPods chooses the same pods through either source (phases, nodes, node selectors)", async () => {
    const selectors: PodSelectorSpec[] = [
      { namespaces: [nsA, nsB], podPhaseSelectors: ["Running", "Pending"] },
      { namespaces: [nsA, nsB], podPhaseSelectors: ["!Failed", "!Succeeded"], labelSelectors: { tier: "web" } },
      { namespaces: [nsA], nodes: [nodes[1]!] },
      { namespaces: [nsA, nsB], nodes: nodes },
      { namespaces: [nsA, nsB], nodeSelectors: { zone: "z1" }, expressionSelectors: [{ key: "canary", operator: "Exists" }] },
      { namespaces: [nsB], fieldSelectors: { "status.phase": "Succeeded" } },
      { pods: { [nsA]: ["pod-h1", "pod-missing"], [nsB]: ["pod-a0"] } },
    ];
    for (const selector of selectors) {
      const expected = names(await selectPods(api, selector, { defaultNamespace: nsA }));
      expect([selector, names(await selectPods(cached, selector, { defaultNamespace: nsA }))]).toEqual([selector, expected]);
    }
  });

  test("a field the store does not evaluate goes to the API server, which rejects it as the API source does", async () => {
    const query = { namespace: nsA, fieldSelector: { "spec.priority": "0" } };
    const fromApi = await api.listPods(query).then(() => "accepted", (error: Error) => error.message);
    expect(await cached.listPods(query).then(() => "accepted", (error: Error) => error.message)).toBe(fromApi);
  });

  test("readPod answers from the store once the watch has seen the pod, and reads a pod it has not seen", async () => {
    const before = watch.stats;
    const pod = await cached.readPod(nsA, "pod-h1");
    expect(pod?.metadata?.name).toBe("pod-h1");
    expect(pod?.metadata?.managedFields).toBeUndefined();
    expect(Object.isFrozen(pod)).toBe(true);
    expect(await cached.readPod(nsA, "pod-never-created")).toBeUndefined();
    expect(watch.stats.lists).toBe(before.lists);
  });
});
