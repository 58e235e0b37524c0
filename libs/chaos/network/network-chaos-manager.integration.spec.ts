// The NetworkChaos manager impl in the real records pipeline, against the real API server (objects,
// records, events and pods are real; pods are written through the API with the status a kubelet
// would give them) and in-memory daemons that keep, per pod, the last state each RPC replaced —
// what a daemon holds. Composition of several experiments on one pod, recovery of one leaving the
// others, the kernel check, a recreated pod and a restarted manager.
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, type Chain, type IPSet, type Tc } from "@faultline/api";
import { createInMemoryDaemonClientPool } from "@faultline/daemon-client";
import { applyChaosCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import { CoreV1Api, CustomObjectsApi, type CoreV1Event, type V1Pod } from "@kubernetes/client-node";
import { allInjected, driveNetworkChaos, networkRecordsReconciler, readNetworkChaos } from "./network-records-pipeline.test-support.js";
import type { NetworkChaos } from "./network-chaos-crd.js";
import { networkChaosAppliedAnnotation } from "./network-chaos-manager.js";
import { ipsetNames, partitionChainName } from "./network-chaos-names.js";

const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const thisKernel = create(NodeCapabilitiesSchema, {
  nodeName: "node-1",
  qdiscs: ["htb", "tbf", "ingress", "clsact"],
  classifiers: ["u32", "bpf"],
  ipset: true,
  iptablesBackend: "nf_tables",
  iptablesExtensions: ["statistic", "set", "CLASSIFY"],
});

interface PodState {
  ipsets: IPSet[];
  chains: Chain[];
  tcs: Tc[];
  calls: string[];
}

let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let nodeCreated = false;
const states = new Map<string, PodState>(); // pod uid → what its namespace holds
const stateOf = (uid: string) => {
  let s = states.get(uid);
  if (!s) states.set(uid, (s = { ipsets: [], chains: [], tcs: [], calls: [] }));
  return s;
};
const daemons = createInMemoryDaemonClientPool({
  async getNodeCapabilities() {
    return thisKernel;
  },
  async flushIPSets(req) {
    const s = stateOf(req.podUid);
    s.ipsets = req.ipsets;
    s.calls.push(`FlushIPSets ${req.containerId} enterNS=${req.enterNs}`);
    return {};
  },
  async setIptablesChains(req) {
    const s = stateOf(req.podUid);
    s.chains = req.chains;
    s.calls.push(`SetIptablesChains ${req.containerId}`);
    return {};
  },
  async setTcs(req) {
    const s = stateOf(req.podUid);
    s.tcs = req.tcs;
    s.calls.push(`SetTcs ${req.containerId}`);
    return {};
  },
});

let ip = 10;
async function runPod(name: string, app: string, options: { withIp?: boolean } = {}): Promise<V1Pod> {
  const pod = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name, labels: { app } }, spec: { nodeName: "node-1", containers: [{ name: "app", image: "busybox" }] } } });
  const n = ip++;
  const podIP = `10.200.${n >> 8}.${n & 255}`;
  pod.status = {
    phase: "Running",
    ...(options.withIp !== false && { podIP, podIPs: [{ ip: podIP }] }),
    containerStatuses: [{ name: "app", containerID: `containerd://${pod.metadata!.uid!.replace(/-/g, "").padEnd(64, "0")}`, image: "busybox", imageID: "", ready: true, restartCount: 0 }],
  };
  return core.replaceNamespacedPodStatus({ namespace: ns.name, name, body: pod });
}
const pods: { [name: string]: V1Pod } = {};
const uid = (name: string) => pods[name]!.metadata!.uid!;
const ipOf = (name: string) => `${pods[name]!.status!.podIP!}/32`;

const manager = () => networkRecordsReconciler({ core, customObjects, daemons, lostInjectionCheckMs: 200 });

async function createChaos(name: string, spec: object) {
  await customObjects.createNamespacedCustomObject({ ...resource, namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name }, spec } });
}
const read = (name: string) => readNetworkChaos(customObjects, ns.name, name);
/** Reconciles `name` as the manager's queue would until `done` holds. */
const drive = (reconciler: ReturnType<typeof manager>, name: string, done: (obj: NetworkChaos | undefined) => boolean, rounds = 40) =>
  driveNetworkChaos(reconciler, customObjects, ns.name, name, done, rounds);
const events = async (name: string): Promise<CoreV1Event[]> =>
  (await core.listNamespacedEvent({ namespace: ns.name, fieldSelector: `involvedObject.name=${name}` })).items;
const chainNames = (name: string) => stateOf(uid(name)).chains.map((c) => c.name);
const chainSets = (name: string) => stateOf(uid(name)).ipsets.filter((s) => s.type === "hash:net").map((s) => [s.name, [...s.cidrs].sort()]);

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "netchaos-mgr");
  // the pods are bound to node-1, which no kubelet runs: a Node object keeps the controller
  // manager's pod GC (full mode) from deleting them as orphans mid-test
  nodeCreated = await core.createNode({ body: { metadata: { name: "node-1", labels: { "faultline.dev/test-node": "true" } } } }).then(
    () => true,
    (e: { code?: number }) => {
      if (e.code !== 409) throw e;
      return false;
    },
  );
  for (const [name, app] of [["a-0", "a"], ["a-1", "a"], ["b-0", "b"], ["c-0", "c"]] as const) pods[name] = await runPod(name, app);
}, 300_000);

afterAll(async () => {
  await ns?.remove();
  if (nodeCreated) await core.deleteNode({ name: "node-1" }).catch(() => undefined);
}, 60_000);

describe("NetworkChaos in the records pipeline", () => {
  const reconciler = () => manager();
  const partition = { action: "partition", mode: "all", selector: { labelSelectors: { app: "a" } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: "b" } } } };

  it("a partition a → b: the sources drop output to b, b drops input from the sources, c is untouched; three RPCs in order", async () => {
    await createChaos("cut", partition);
    await drive(reconciler(), "cut", allInjected);
    const out = partitionChainName("cut", "OUTPUT");
    expect(chainNames("a-0")).toEqual([out]);
    expect(chainNames("a-1")).toEqual([out]);
    expect(chainSets("a-0")).toEqual([["cut_net_tgt", [ipOf("b-0")]]]);
    expect(stateOf(uid("a-0")).chains[0]).toMatchObject({ ipsets: ["cut_set_tgt"], target: "DROP" });
    expect(chainNames("b-0")).toEqual([partitionChainName("cut", "INPUT")]);
    expect(chainSets("b-0")).toEqual([["cut_net_src", [ipOf("a-0"), ipOf("a-1")].sort()]]);
    expect(states.has(uid("c-0"))).toBe(false);
    const id = pods["a-0"]!.status!.containerStatuses![0]!.containerID!;
    expect(stateOf(uid("a-0")).calls.slice(0, 3)).toEqual([`FlushIPSets ${id} enterNS=true`, `SetIptablesChains ${id}`, `SetTcs ${id}`]);
    const annotated = await core.readNamespacedPod({ namespace: ns.name, name: "a-0" });
    expect(JSON.parse(annotated.metadata!.annotations![networkChaosAppliedAnnotation]!)).toEqual([(await read("cut"))!.metadata.uid]);
  }, 120_000);

  it("a second experiment on the same pod composes: uncorrelated loss, with the iptables fallback said in an event", async () => {
    await createChaos("lossy", { action: "loss", mode: "all", selector: { pods: { [ns.name]: ["a-0"] } }, loss: { loss: "30" } });
    await drive(reconciler(), "lossy", allInjected);
    expect(chainNames("a-0")).toEqual([partitionChainName("cut", "OUTPUT")]);
    expect(stateOf(uid("a-0")).tcs).toEqual([expect.objectContaining({ ipset: "", netem: expect.objectContaining({ loss: 30, lossCorr: 0 }) })]);
    expect(await events("lossy")).toContainEqual(
      expect.objectContaining({ reason: "Fallback", message: expect.stringMatching(/a-0 on node node-1: the node has no sch_netem: loss 30% is done with iptables' statistic match/) }),
    );
  }, 120_000);

  it("refuses delay on this kernel with a Failed event naming the node and netem, sending nothing", async () => {
    const before = stateOf(uid("c-0")).calls.length;
    await createChaos("slow", { action: "delay", mode: "all", selector: { pods: { [ns.name]: ["c-0"] } }, delay: { latency: "90ms", correlation: "25", jitter: "90ms" } });
    await drive(reconciler(), "slow", (obj) => (obj?.status?.experiment?.containerRecords?.[0]?.events ?? []).some((e) => e.type === "Failed"));
    expect(stateOf(uid("c-0")).calls.length).toBe(before);
    expect(await events("slow")).toContainEqual(
      expect.objectContaining({
        type: "Warning",
        reason: "Failed",
        message: expect.stringContaining("node node-1 cannot perform this injection: missing qdisc/netem (delay/loss/duplicate/corrupt on eth0 (tc netem)); nothing was injected"),
      }),
    );
    // it keeps wanting c-0, but another experiment on c-0 is not blocked by it
    await createChaos("cut-c", { action: "partition", mode: "all", selector: { pods: { [ns.name]: ["c-0"] } } });
    await drive(reconciler(), "cut-c", allInjected);
    expect(chainNames("c-0")).toEqual([partitionChainName("cut-c", "OUTPUT")]);
    expect(stateOf(uid("c-0")).tcs).toEqual([]);
    await customObjects.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name: "slow" });
    await drive(reconciler(), "slow", (obj) => obj === undefined);
  }, 120_000);

  it("refuses a pod with hostNetwork (its namespace is the node's), sending nothing", async () => {
    await core.createNamespacedPod({
      namespace: ns.name,
      body: { metadata: { name: "host-0", labels: { app: "host" } }, spec: { nodeName: "node-1", hostNetwork: true, containers: [{ name: "app", image: "busybox" }] } },
    });
    const host = await core.readNamespacedPod({ namespace: ns.name, name: "host-0" });
    await core.replaceNamespacedPodStatus({
      namespace: ns.name,
      name: "host-0",
      body: { ...host, status: { phase: "Running", podIP: "192.0.2.1", containerStatuses: [{ name: "app", containerID: `containerd://${"f".repeat(64)}`, image: "busybox", imageID: "", ready: true, restartCount: 0 }] } },
    });
    await createChaos("cut-host", { action: "partition", mode: "all", selector: { labelSelectors: { app: "host" } } });
    await drive(reconciler(), "cut-host", (obj) => (obj?.status?.experiment?.containerRecords?.[0]?.events ?? []).some((e) => e.type === "Failed"));
    expect(states.has(host.metadata!.uid!)).toBe(false);
    expect(await events("cut-host")).toContainEqual(expect.objectContaining({ reason: "Failed", message: expect.stringContaining(`pod ${ns.name}/host-0 uses hostNetwork`) }));
    await customObjects.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name: "cut-host" });
    await drive(reconciler(), "cut-host", (obj) => obj === undefined);
    expect(states.has(host.metadata!.uid!)).toBe(false);
  }, 120_000);

  it("a recreated pod gets every experiment's rules again while they run", async () => {
    await core.deleteNamespacedPod({ namespace: ns.name, name: "a-0", gracePeriodSeconds: 0 });
    for (let i = 0; i < 50 && (await core.listNamespacedPod({ namespace: ns.name })).items.some((p) => p.metadata?.name === "a-0"); i++) await sleep(100);
    const old = uid("a-0");
    pods["a-0"] = await runPod("a-0", "a");
    expect(uid("a-0")).not.toBe(old);
    // a fresh manager too: nothing of the old one's memory is needed
    const fresh = reconciler();
    await sleep(250);
    await drive(fresh, "cut", () => chainNames("a-0").length > 0);
    await drive(fresh, "lossy", () => stateOf(uid("a-0")).tcs.length > 0);
    expect(chainNames("a-0")).toEqual([partitionChainName("cut", "OUTPUT")]);
    expect(stateOf(uid("a-0")).tcs).toHaveLength(1);
    // a-0 has a new address: b-0, at the other end, drops input from it (its rules were sent again)
    await drive(fresh, "cut", () => chainSets("b-0")[0]?.[1]?.includes(ipOf("a-0")) ?? false);
    expect(chainSets("b-0")).toEqual([["cut_net_src", [ipOf("a-0"), ipOf("a-1")].sort()]]);
    expect(await events("cut")).toContainEqual(expect.objectContaining({ message: expect.stringMatching(new RegExp(`^Re-applied chaos for .*${ns.name}/a-0\\b`)) }));
  }, 120_000);

  it("recovering one experiment leaves the others in force; recovering the last leaves the pod clean", async () => {
    await customObjects.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name: "cut" });
    await drive(reconciler(), "cut", (obj) => obj === undefined);
    expect(chainNames("a-0")).toEqual([]);
    expect(stateOf(uid("a-0")).tcs).toHaveLength(1); // lossy is still there
    expect(stateOf(uid("b-0"))).toMatchObject({ ipsets: [], chains: [], tcs: [] });
    expect(stateOf(uid("a-1"))).toMatchObject({ ipsets: [], chains: [], tcs: [] });
    await customObjects.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name: "lossy" });
    await drive(reconciler(), "lossy", (obj) => obj === undefined);
    expect(stateOf(uid("a-0"))).toMatchObject({ ipsets: [], chains: [], tcs: [] });
  }, 120_000);
});

describe("every role a pod plays counts", () => {
  const reconciler = () => manager();

  it("Chaos Mesh's network-partition-example shape over 100 pods (selector and target pick the same pods, mode all): 200 records, and every pod drops output to and input from all 100", async () => {
    const names = Array.from({ length: 100 }, (_, i) => `m-${i}`);
    for (const name of names) pods[name] = await runPod(name, "many");
    await createChaos("many", { action: "partition", mode: "all", selector: { labelSelectors: { app: "many" } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: "many" } } } });
    const obj = await drive(reconciler(), "many", allInjected);
    const records = obj!.status!.experiment!.containerRecords!;
    expect(records).toHaveLength(200);
    expect(records.filter((r) => r.selectorKey === ".").map((r) => r.id).sort()).toEqual(records.filter((r) => r.selectorKey === ".Target").map((r) => r.id).sort());
    expect(records.every((r) => r.phase === "Injected")).toBe(true);
    const all = names.map(ipOf).sort();
    for (const name of names) {
      const state = stateOf(uid(name));
      expect([name, state.chains.map((c) => [c.name, c.ipsets])]).toEqual([
        name,
        [
          [partitionChainName("many", "OUTPUT"), [ipsetNames("many", "tgt").set]],
          [partitionChainName("many", "INPUT"), [ipsetNames("many", "src").set]],
        ],
      ]);
      expect([name, chainSets(name)]).toEqual([name, [[ipsetNames("many", "tgt").net, all], [ipsetNames("many", "src").net, all]]]);
    }
    await customObjects.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name: "many" });
    await drive(reconciler(), "many", (o) => o === undefined);
    for (const name of names) expect(stateOf(uid(name))).toMatchObject({ ipsets: [], chains: [] });
    // no kubelet confirms their end: gone at once, so the namespace's removal has only a few pods left to wait for
    await core.deleteCollectionNamespacedPod({ namespace: ns.name, labelSelector: "app=many", gracePeriodSeconds: 0 });
  }, 300_000);

  it("an apply that would change nothing (no target has an address) fails, sends nothing, and succeeds once an address is known", async () => {
    pods["d-0"] = await runPod("d-0", "d");
    pods["noip-0"] = await runPod("noip-0", "noip", { withIp: false });
    await createChaos("blind", { action: "partition", mode: "all", selector: { labelSelectors: { app: "d" } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: "noip" } } } });
    await drive(reconciler(), "blind", (obj) => (obj?.status?.experiment?.containerRecords ?? []).some((r) => r.selectorKey === "." && (r.events ?? []).some((e) => e.type === "Failed")));
    const obj = (await read("blind"))!;
    expect(allInjected(obj)).toBe(false);
    expect(obj.status!.experiment!.containerRecords!.find((r) => r.selectorKey === ".")!.phase).not.toBe("Injected");
    expect(states.has(uid("d-0"))).toBe(false); // nothing was sent to the source pod's daemon
    expect(await events("blind")).toContainEqual(
      expect.objectContaining({
        type: "Warning",
        reason: "Failed",
        message: expect.stringContaining(
          `nothing would change on pod ${ns.name}/d-0: partition toward its targets: none of its 1 target pod has an IP address, and it has no external target; not injected until an address is known`,
        ),
      }),
    );
    // the kubelet reports the target's address: the retry installs the partition
    const noip = await core.readNamespacedPod({ namespace: ns.name, name: "noip-0" });
    await core.replaceNamespacedPodStatus({ namespace: ns.name, name: "noip-0", body: { ...noip, status: { ...noip.status, podIP: "10.201.0.1", podIPs: [{ ip: "10.201.0.1" }] } } });
    await drive(reconciler(), "blind", allInjected);
    expect(chainNames("d-0")).toEqual([partitionChainName("blind", "OUTPUT")]);
    expect(chainSets("d-0")).toEqual([[ipsetNames("blind", "tgt").net, ["10.201.0.1/32"]]]);
    await customObjects.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name: "blind" });
    await drive(reconciler(), "blind", (o) => o === undefined);
  }, 120_000);
});
