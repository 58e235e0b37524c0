// NetworkChaos from the object to the kernel, without a kubelet: the manager impl in the real
// records pipeline on the real API server, and the real daemon handlers acting in the network
// namespaces of pods of the private containerd (each its own namespace on the CNI bridge). The Pod
// objects carry those pods' IPs and container ids, written as a kubelet would. What is asserted is
// traffic: TCP connections that open or not.
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { NamespaceProcessRunner, callDaemonHandler, nodeCapabilityHandlers, nodeCapabilityProbeFor } from "@faultline/daemon-server";
import { createInMemoryDaemonClientPool } from "@faultline/daemon-client";
import { applyChaosCrds, createTestNamespace, defaultTestContainerdSocket, localCluster } from "@faultline/test-ground";
import { planAnnotation, type ExperimentPlan } from "@faultline/api";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { networkDaemonHandlers } from "./daemon/network-daemon-handlers.js";
import { NetworkPods, canConnect, inPod, listenInPod, type NetworkPod } from "./daemon/network-pods.test-support.js";
import { allInjected, driveNetworkChaos, networkRecordsReconciler, readNetworkChaos } from "./network-records-pipeline.test-support.js";
import type { NetworkChaos } from "./network-chaos-crd.js";
import { ipsetNames, partitionChainName } from "./network-chaos-names.js";

const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
const nodeName = `faultline-netns-${Math.random().toString(36).slice(2, 8)}`;
const open = 8080;
const other = 8081;

let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const netPods = new NetworkPods();
const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
const runner = new NamespaceProcessRunner();
const real = { ...networkDaemonHandlers({ runtime, runner }), ...nodeCapabilityHandlers(nodeCapabilityProbeFor(runner)) };
// the manager's daemon client reaches the real handlers (no gRPC server in between)
const daemons = createInMemoryDaemonClientPool({
  getNodeCapabilities: (req) => callDaemonHandler(real, "getNodeCapabilities", req),
  flushIPSets: (req) => callDaemonHandler(real, "flushIPSets", req),
  setIptablesChains: (req) => callDaemonHandler(real, "setIptablesChains", req),
  setTcs: (req) => callDaemonHandler(real, "setTcs", req),
});
const pods: { [name: string]: NetworkPod } = {};
const listeners: { stop(): void }[] = [];

/** A Pod object for a running network pod, bound to the test's node, with its status as a kubelet writes it. */
async function podObject(name: string, app: string, pod: NetworkPod) {
  const created = await core.createNamespacedPod({
    namespace: ns.name,
    body: { metadata: { name, labels: { app } }, spec: { nodeName, tolerations: [{ operator: "Exists" }], containers: [{ name: "app", image: "busybox" }] } },
  });
  created.status = {
    phase: "Running",
    podIP: pod.ip,
    podIPs: [{ ip: pod.ip }],
    containerStatuses: [{ name: "app", containerID: pod.containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }],
  };
  await core.replaceNamespacedPodStatus({ namespace: ns.name, name, body: created });
}

const manager = () => networkRecordsReconciler({ core, customObjects, daemons });

const read = (name: string) => readNetworkChaos(customObjects, ns.name, name);
const drive = (name: string, done: (obj: NetworkChaos | undefined) => boolean) => driveNetworkChaos(manager(), customObjects, ns.name, name, done);
async function run(name: string, spec: object) {
  await customObjects.createNamespacedCustomObject({ ...resource, namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name }, spec } });
  return drive(name, allInjected);
}
async function remove(name: string) {
  await customObjects.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name });
  await drive(name, (obj) => obj === undefined);
}
const reaches = (from: string, to: string, port = open) => canConnect(pods[from]!, pods[to]!.ip, port);
/** Faultline's chains and sets in a pod's namespace, empty when nothing is injected. */
async function leftovers(name: string) {
  const chains = (await inPod(pods[name]!, ["iptables-save", "-t", "filter"])).split("\n").filter((l) => /CHAOS|INPUT\/|OUTPUT\//.test(l));
  return { chains, ipsets: (await inPod(pods[name]!, ["ipset", "list", "-n"])).trim() };
}

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "netchaos-netns");
  // a Node object keeps the controller manager's pod GC from deleting the pods as orphans
  await core.createNode({ body: { metadata: { name: nodeName, labels: { "faultline.dev/test-node": "true" } } } });
  const started = await Promise.all([netPods.start("a0"), netPods.start("a1"), netPods.start("c0")]);
  for (const [i, [name, app]] of ([["a-0", "a"], ["a-1", "a"], ["c-0", "c"]] as const).entries()) {
    pods[name] = started[i]!;
    await podObject(name, app, started[i]!);
    for (const port of [open, other]) {
      const l = listenInPod(started[i]!, port);
      listeners.push(l);
      await l.ready;
    }
  }
}, 300_000);

afterAll(async () => {
  listeners.forEach((l) => l.stop());
  await ns?.remove();
  await core?.deleteNode({ name: nodeName }).catch(() => undefined);
  await netPods.removeAll();
  runtime.close();
}, 120_000);

describe("NetworkChaos on real network namespaces, through the records pipeline", () => {
  it("every pod reaches every other before anything is injected", async () => {
    for (const [from, to] of [["a-0", "a-1"], ["a-1", "a-0"], ["a-0", "c-0"], ["c-0", "a-0"]] as const) expect([from, to, await reaches(from, to)]).toEqual([from, to, true]);
  }, 60_000);

  it("Chaos Mesh's network-partition-example shape, mode all on both sides: each pod is selected and a target, both roles are recorded and the pods are cut from each other", async () => {
    // selector and target pick the same pods (Chaos Mesh's example picks tikv on both sides)
    const obj = await run("overlap", {
      action: "partition",
      mode: "all",
      selector: { labelSelectors: { app: "a" } },
      direction: "to",
      target: { mode: "all", selector: { labelSelectors: { app: "a" } } },
    });
    const records = obj!.status!.experiment!.containerRecords!;
    expect(records.map((r) => `${r.selectorKey} ${r.id} ${r.phase}`).sort()).toEqual(
      [".", ".Target"].flatMap((key) => ["a-0", "a-1"].map((pod) => `${key} ${ns.name}/${pod} Injected`)),
    );
    expect(await reaches("a-0", "a-1")).toBe(false);
    expect(await reaches("a-1", "a-0")).toBe(false);
    // a pod outside both selectors is untouched, both ways
    expect(await reaches("a-0", "c-0")).toBe(true);
    expect(await reaches("c-0", "a-1")).toBe(true);
    for (const pod of ["a-0", "a-1"]) {
      expect((await leftovers(pod)).chains).toEqual(
        expect.arrayContaining([
          `-A ${partitionChainName("overlap", "OUTPUT")} -o eth0 -m set --match-set ${ipsetNames("overlap", "tgt").set} dst,dst -j DROP`,
          `-A ${partitionChainName("overlap", "INPUT")} -i eth0 -m set --match-set ${ipsetNames("overlap", "src").set} src,dst -j DROP`,
        ]),
      );
    }

    await remove("overlap");
    expect(await reaches("a-0", "a-1")).toBe(true);
    expect(await reaches("a-1", "a-0")).toBe(true);
    for (const pod of ["a-0", "a-1"]) expect(await leftovers(pod)).toEqual({ chains: [], ipsets: "" });
  }, 180_000);

  it("with the plan annotation: status.plan capable by the real probe, the partition's requests and commands; nothing injected, the pods still reach each other", async () => {
    const spec = { action: "partition", mode: "all", selector: { labelSelectors: { app: "a" } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: "c" } } } };
    await customObjects.createNamespacedCustomObject({ ...resource, namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name: "planned", annotations: { [planAnnotation]: "true" } }, spec } });
    const planned = await drive("planned", (o) => (o?.status as { plan?: ExperimentPlan } | undefined)?.plan !== undefined);
    const plan = (planned!.status as { plan: ExperimentPlan }).plan;
    expect(plan.targets.map((t) => [t.id, t.node, t.capable, t.steps.map((s) => s.rpc).join(",")]).sort()).toEqual(
      ["a-0", "a-1", "c-0"].map((pod) => [`${ns.name}/${pod}`, nodeName, true, "FlushIPSets,SetIptablesChains,SetTcs"]),
    );
    const source = plan.targets.find((t) => t.id === `${ns.name}/a-0`)!;
    expect(source.steps[1]!.note).toContain(`-o eth0 -m set --match-set ${ipsetNames("planned", "tgt").set} dst,dst -j DROP`);
    expect(await reaches("a-0", "c-0")).toBe(true);
    for (const pod of ["a-0", "a-1", "c-0"]) expect(await leftovers(pod)).toEqual({ chains: [], ipsets: "" });
    await remove("planned");
  }, 120_000);

  it("a partition toward <cidr>:<port> blocks that port of every address in the CIDR, and only that port", async () => {
    const [o1, o2] = pods["c-0"]!.ip.split(".");
    const cidr = `${o1}.${o2}.0.0/16`; // the private containerd's pod subnet: a-1 and c-0 are in it
    await run("port-cut", { action: "partition", mode: "all", selector: { pods: { [ns.name]: ["a-0"] } }, direction: "to", externalTargets: [`${cidr}:${open}`] });
    expect(await reaches("a-0", "c-0", open)).toBe(false);
    expect(await reaches("a-0", "a-1", open)).toBe(false);
    expect(await reaches("a-0", "c-0", other)).toBe(true);
    expect(await reaches("a-0", "a-1", other)).toBe(true);
    expect(await reaches("c-0", "a-1", open)).toBe(true); // only the selected pod is affected
    expect(await inPod(pods["a-0"]!, ["ipset", "list", ipsetNames("port-cut", "tgt").netPort])).toContain(`${cidr},tcp:${open}`);

    await remove("port-cut");
    expect(await reaches("a-0", "c-0", open)).toBe(true);
    expect(await leftovers("a-0")).toEqual({ chains: [], ipsets: "" });
  }, 180_000);
});
