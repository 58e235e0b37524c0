// The plan annotation on NetworkChaos through the real records pipeline, on the real API server
// (objects, pods written with the status a kubelet would give them), with in-memory daemons that
// record every call: status.plan lists every candidate of both selectors with its node, whether the
// node can perform it (GetNodeCapabilities, this kernel without netem), the three requests and the
// daemon's commands — and nothing is sent, no pod annotated, no record injected.
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, planAnnotation, type ExperimentPlan } from "@faultline/api";
import { createInMemoryDaemonClientPool } from "@faultline/daemon-client";
import { applyChaosCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import { CoreV1Api, CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import type { NetworkChaos } from "./network-chaos-crd.js";
import { networkChaosAppliedAnnotation } from "./network-chaos-manager.js";
import { driveNetworkChaos, networkRecordsReconciler } from "./network-records-pipeline.test-support.js";

const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
const node = "node-plan-1";
const calls: string[] = [];
const daemons = createInMemoryDaemonClientPool({
  async getNodeCapabilities() {
    calls.push("GetNodeCapabilities");
    return create(NodeCapabilitiesSchema, { nodeName: node, qdiscs: ["htb", "tbf", "prio", "sfq"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "set", "CLASSIFY"] });
  },
  flushIPSets: async () => (calls.push("FlushIPSets"), {}),
  setIptablesChains: async () => (calls.push("SetIptablesChains"), {}),
  setTcs: async () => (calls.push("SetTcs"), {}),
});

let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let nodeCreated = false;
const pods: { [name: string]: V1Pod } = {};

async function runPod(name: string, app: string, n: number): Promise<V1Pod> {
  const pod = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name, labels: { app } }, spec: { nodeName: node, containers: [{ name: "app", image: "busybox" }] } } });
  const podIP = `10.201.0.${n}`;
  pod.status = {
    phase: "Running",
    podIP,
    podIPs: [{ ip: podIP }],
    containerStatuses: [{ name: "app", containerID: `containerd://${pod.metadata!.uid!.replace(/-/g, "").padEnd(64, "0")}`, image: "busybox", imageID: "", ready: true, restartCount: 0 }],
  };
  return core.replaceNamespacedPodStatus({ namespace: ns.name, name, body: pod });
}

const planned = (obj: NetworkChaos | undefined) => (obj?.status as { plan?: ExperimentPlan } | undefined)?.plan;

async function plan(name: string, spec: object): Promise<{ obj: NetworkChaos; plan: ExperimentPlan }> {
  await customObjects.createNamespacedCustomObject({ ...resource, namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name, annotations: { [planAnnotation]: "true" } }, spec } });
  const obj = (await driveNetworkChaos(networkRecordsReconciler({ core, customObjects, daemons }), customObjects, ns.name, name, (o) => planned(o) !== undefined))!;
  return { obj, plan: planned(obj)! };
}

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "netchaos-plan");
  // no kubelet runs this node: the Node object keeps the pod GC from deleting the pods as orphans
  nodeCreated = await core.createNode({ body: { metadata: { name: node, labels: { "faultline.dev/test-node": "true" } } } }).then(
    () => true,
    (e: { code?: number }) => {
      if (e.code !== 409) throw e;
      return false;
    },
  );
  for (const [name, app, n] of [["a-0", "a", 1], ["a-1", "a", 2], ["b-0", "b", 3]] as const) pods[name] = await runPod(name, app, n);
}, 300_000);

afterAll(async () => {
  await ns?.remove();
  if (nodeCreated) await core.deleteNode({ name: node }).catch(() => undefined);
}, 60_000);

describe("NetworkChaos with the plan annotation", () => {
  it("a partition a → b (mode one): every candidate of both selectors planned with its node, requests and commands; nothing sent or annotated", async () => {
    const { obj, plan: p } = await plan("cut", { action: "partition", mode: "one", selector: { labelSelectors: { app: "a" } }, direction: "to", device: "eth0", target: { mode: "all", selector: { labelSelectors: { app: "b" } } } });
    expect(p.mode).toBe("one");
    expect(p.targets.map((t) => [t.id, t.node, t.capable]).sort()).toEqual([
      [`${ns.name}/a-0`, node, true],
      [`${ns.name}/a-1`, node, true],
      [`${ns.name}/b-0`, node, true],
    ]);
    const source = p.targets.find((t) => t.id === `${ns.name}/a-0`)!;
    expect(source.steps.map((s) => s.rpc)).toEqual(["FlushIPSets", "SetIptablesChains", "SetTcs"]);
    expect(JSON.stringify(source.steps[0]!.request)).toContain("10.201.0.3/32"); // b-0's address in a-0's target set
    expect(source.steps[1]!.argv![0]!.slice(3)).toEqual(["-n", "--", "iptables-restore", "-w", "5", "--noflush"]);
    expect(source.steps[1]!.note).toMatch(/-o eth0 -m set --match-set \S+ dst,dst -j DROP/);
    const target = p.targets.find((t) => t.id === `${ns.name}/b-0`)!;
    expect(target.steps[1]!.note).toMatch(/-i eth0 -m set --match-set \S+ src,dst -j DROP/);

    expect(calls.filter((c) => c !== "GetNodeCapabilities")).toEqual([]);
    expect(obj.status?.experiment?.containerRecords ?? []).toEqual([]);
    for (const name of ["a-0", "a-1", "b-0"]) {
      const pod = await core.readNamespacedPod({ namespace: ns.name, name });
      expect(pod.metadata?.annotations?.[networkChaosAppliedAnnotation]).toBeUndefined();
    }
  }, 120_000);

  it("a delay on a node without netem: not capable, naming the node and netem, the steps still shown", async () => {
    const { plan: p } = await plan("slow", { action: "delay", mode: "all", selector: { labelSelectors: { app: "b" } }, device: "eth0", delay: { latency: "10ms" } });
    expect(p.targets).toHaveLength(1);
    expect(p.targets[0]!.capable).toBe(false);
    expect(p.targets[0]!.reason).toMatch(new RegExp(`^node ${node} cannot perform this injection: missing .*netem`));
    expect(JSON.stringify(p.targets[0]!.steps[2]!.request)).toContain('"device":"eth0"');
    expect(calls.filter((c) => c !== "GetNodeCapabilities")).toEqual([]);
  }, 120_000);
});
