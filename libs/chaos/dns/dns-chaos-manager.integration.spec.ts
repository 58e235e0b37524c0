// The DNSChaos manager impl in the real records pipeline, against the real API server (objects,
// records, Events and pods are real; pods are written through the API with the status a kubelet
// would give them) and in-memory daemons on two nodes that hold injections by record key, as the
// real daemon's ListDNSChaos lists them; node-2's daemon lacks dns/interception. Chaos Mesh's
// example, composition of two DNSChaos on one pod, recovery of one leaving the other, the
// capability refusal as a Failed event, a recreated pod and a restarted manager.
import { readFileSync } from "node:fs";
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { createInMemoryDaemonClientPool, type DaemonClientPool } from "@faultline/daemon-client";
import { applyChaosCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import { CoreV1Api, CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { DNSChaos } from "./dns-chaos-crd.js";
import { allInjected, anyFailed, kindDriver, kindRecordsReconciler } from "../kind-pipeline.test-support.js";
import { dnsChaos } from "./dns-chaos.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const suffix = Math.random().toString(36).slice(2, 7);
const capableNode = `dns-node-1-${suffix}`;
const incapableNode = `dns-node-2-${suffix}`;

interface Held {
  recordKey: string;
  containerId: string;
  action: string;
  patterns: string[];
}

let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const nodesCreated: string[] = [];
const held = new Map<string, Held[]>(); // node → what its daemon holds
const calls: string[] = [];
const heldOn = (node: string) => held.get(node) ?? [];

/** An in-memory daemon for `node`: capable of DNS interception or not. */
function daemonOn(node: string, capable: boolean) {
  return createInMemoryDaemonClientPool({
    async getNodeCapabilities() {
      return create(NodeCapabilitiesSchema, { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: capable ? ["statistic", "REDIRECT", "owner"] : ["statistic"] });
    },
    async execDNSChaos(req) {
      calls.push(`${node} ExecDNSChaos ${req.recordKey}`);
      held.set(node, [...heldOn(node).filter((h) => h.recordKey !== req.recordKey), { recordKey: req.recordKey, containerId: req.containerId, action: req.action, patterns: req.patterns }]);
      return {};
    },
    async recoverDNSChaos(req) {
      calls.push(`${node} RecoverDNSChaos ${req.recordKey}`);
      held.set(node, heldOn(node).filter((h) => h.recordKey !== req.recordKey));
      return {};
    },
    async listDNSChaos() {
      return { injections: heldOn(node) };
    },
  });
}
const pools: { [node: string]: DaemonClientPool } = { [capableNode]: daemonOn(capableNode, true), [incapableNode]: daemonOn(incapableNode, false) };
const daemons: DaemonClientPool = { clientFor: (node, nn) => pools[node]!.clientFor(node, nn), size: () => 2, close: () => undefined };

const manager = () => kindRecordsReconciler(dnsChaos, { core, customObjects, daemons });
let driver: ReturnType<typeof kindDriver<DNSChaos>>;
const read = (name: string) => driver.read(name);
const drive = (reconciler: ReturnType<typeof manager>, name: string, done: (obj: DNSChaos | undefined) => boolean) => driver.drive(reconciler, name, done);
const createChaos = (name: string, spec: object) => driver.create(name, spec);
const deleteChaos = (name: string) => driver.remove(manager(), name);
const events = (name: string) => driver.events(name);

const pods: { [name: string]: V1Pod } = {};
async function runPod(name: string, app: string, nodeName: string): Promise<V1Pod> {
  const pod = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name, labels: { app } }, spec: { nodeName, containers: [{ name: "main", image: "busybox" }] } } });
  pod.status = {
    phase: "Running",
    containerStatuses: [{ name: "main", containerID: `containerd://${pod.metadata!.uid!.replace(/-/g, "").padEnd(64, "0")}`, image: "busybox", imageID: "", ready: true, restartCount: 0 }],
  };
  return (pods[name] = await core.replaceNamespacedPodStatus({ namespace: ns.name, name, body: pod }));
}
const keyOf = (chaos: DNSChaos, pod: string) => `${chaos.metadata.uid}/${ns.name}/${pod}/main`;

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "dnschaos-mgr");
  driver = kindDriver(dnsChaos, { core, customObjects, namespace: ns.name });
  // no kubelet runs these nodes: Node objects keep the controller manager's pod GC (full mode) from deleting their pods as orphans
  for (const node of [capableNode, incapableNode]) {
    await core.createNode({ body: { metadata: { name: node, labels: { "faultline.dev/test-node": "true" } } } });
    nodesCreated.push(node);
  }
  await runPod("busybox-0", "busybox", capableNode);
  await runPod("busybox-1", "busybox", capableNode);
  await runPod("web-0", "web", capableNode);
  await runPod("far-0", "far", incapableNode);
}, 300_000);

afterAll(async () => {
  await ns?.remove();
  for (const node of nodesCreated) await core.deleteNode({ name: node }).catch(() => undefined);
}, 60_000);

describe("DNSChaos in the records pipeline", () => {
  it("Chaos Mesh's dns-chaos-example (its namespaces adapted): every selected pod gets its patterns under its own record key", async () => {
    const example: DNSChaos = parse(readFileSync(new URL("./examples/dns-chaos-example.yaml", import.meta.url), "utf8"));
    await createChaos("dns-chaos-example", { ...example.spec, selector: { namespaces: [ns.name], labelSelectors: { app: "busybox" } } });
    const obj = (await drive(manager(), "dns-chaos-example", allInjected))!;
    expect(obj.status!.experiment!.containerRecords!.map((r) => [r.id, r.phase]).sort()).toEqual([
      [`${ns.name}/busybox-0/main`, "Injected"],
      [`${ns.name}/busybox-1/main`, "Injected"],
    ]);
    expect(heldOn(capableNode).sort((a, b) => a.recordKey.localeCompare(b.recordKey))).toEqual(
      ["busybox-0", "busybox-1"].map((pod) => ({
        recordKey: keyOf(obj, pod),
        containerId: pods[pod]!.status!.containerStatuses![0]!.containerID,
        action: "random",
        patterns: ["google.com", "chaos-mesh.*", "github.?om"],
      })),
    );
  }, 120_000);

  it("a second DNSChaos on the same pod composes; deleting it recovers its key only", async () => {
    await createChaos("fail-api", { action: "error", mode: "all", selector: { pods: { [ns.name]: ["busybox-0"] } }, patterns: ["api.example.test"] });
    const second = (await drive(manager(), "fail-api", allInjected))!;
    const example = (await read("dns-chaos-example"))!;
    expect(heldOn(capableNode).map((h) => h.recordKey).sort()).toEqual([keyOf(example, "busybox-0"), keyOf(example, "busybox-1"), keyOf(second, "busybox-0")].sort());
    await deleteChaos("fail-api");
    expect(calls).toContain(`${capableNode} RecoverDNSChaos ${keyOf(second, "busybox-0")}`);
    expect(heldOn(capableNode).map((h) => h.recordKey).sort()).toEqual([keyOf(example, "busybox-0"), keyOf(example, "busybox-1")].sort());
  }, 120_000);

  it("a pod on a node whose daemon lacks dns/interception: a Failed event naming the node and the capability, nothing sent", async () => {
    await createChaos("spread", { action: "error", mode: "all", selector: { labelSelectors: { app: "far" } } });
    await drive(manager(), "spread", anyFailed);
    expect(calls.filter((c) => c.startsWith(incapableNode))).toEqual([]);
    expect(await events("spread")).toContainEqual(
      expect.objectContaining({
        type: "Warning",
        reason: "Failed",
        message: expect.stringContaining(`node ${incapableNode} cannot perform DNSChaos: its daemon lacks dns/interception`),
      }),
    );
    const obj = (await read("spread"))!;
    expect(allInjected(obj)).toBe(false);
    await deleteChaos("spread");
    // deleting it recovers the record by its key, which that daemon does not hold: recovered, nothing stuck
    expect(calls.filter((c) => c.startsWith(incapableNode))).toEqual([`${incapableNode} RecoverDNSChaos ${keyOf(obj, "far-0")}`]);
  }, 120_000);

  it("a recreated pod is injected again while the experiment runs, by a fresh manager too", async () => {
    const example = (await read("dns-chaos-example"))!;
    const old = pods["busybox-1"]!.metadata!.uid;
    await core.deleteNamespacedPod({ namespace: ns.name, name: "busybox-1", gracePeriodSeconds: 0 });
    for (let i = 0; i < 50 && (await core.listNamespacedPod({ namespace: ns.name })).items.some((p) => p.metadata?.name === "busybox-1"); i++) await sleep(100);
    // the daemon dropped the gone pod's interception (its network namespace went with it)
    held.set(capableNode, heldOn(capableNode).filter((h) => h.recordKey !== keyOf(example, "busybox-1")));
    await runPod("busybox-1", "busybox", capableNode);
    expect(pods["busybox-1"]!.metadata!.uid).not.toBe(old);
    const fresh = manager();
    await sleep(250);
    await drive(fresh, "dns-chaos-example", () => heldOn(capableNode).some((h) => h.recordKey === keyOf(example, "busybox-1")));
    expect(heldOn(capableNode).find((h) => h.recordKey === keyOf(example, "busybox-1"))).toMatchObject({ containerId: pods["busybox-1"]!.status!.containerStatuses![0]!.containerID });
    expect(await events("dns-chaos-example")).toContainEqual(expect.objectContaining({ message: expect.stringMatching(new RegExp(`^Re-applied chaos for .*${ns.name}/busybox-1\\b`)) }));
  }, 120_000);

  it("deleting the experiment recovers every record's key and leaves the daemons holding nothing", async () => {
    await deleteChaos("dns-chaos-example");
    expect(heldOn(capableNode)).toEqual([]);
    expect(heldOn(incapableNode)).toEqual([]);
  }, 120_000);
});
