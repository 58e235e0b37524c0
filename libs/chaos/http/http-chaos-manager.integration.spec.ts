// The HTTPChaos manager impl in the real records pipeline, against the real API server (objects,
// records, Events, Secrets and pods are real; pods are written through the API with the status a
// kubelet would give them) and in-memory daemons on two nodes that hold injections by record key, as
// the real daemon's ListHTTPChaos lists them; node-2's daemon lacks http/interception. Chaos Mesh's
// http-patch-response shape, the TLS pass-through Event, tls read from a real Secret, a daemon's
// InvalidArgument as a Failed event, composition of two HTTPChaos on one pod, recovery of one leaving
// the other, the capability refusal, a recreated pod and a restarted manager.
import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { createInMemoryDaemonClientPool, type DaemonClientPool } from "@faultline/daemon-client";
import { applyChaosCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import { CoreV1Api, CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import { parse } from "yaml";
import type { HTTPChaos } from "./http-chaos-crd.js";
import { tlsPassThroughMessage } from "./http-chaos-manager.js";
import { allInjected, anyFailed, kindDriver, kindRecordsReconciler } from "../kind-pipeline.test-support.js";
import { httpChaos } from "./http-chaos.js";
import { parseHttpRules } from "./proxy/http-rules.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const suffix = Math.random().toString(36).slice(2, 7);
const capableNode = `http-node-1-${suffix}`;
const incapableNode = `http-node-2-${suffix}`;

interface Held {
  recordKey: string;
  containerId: string;
  rules: string;
  tls: string;
}

let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
const nodesCreated: string[] = [];
const held = new Map<string, Held[]>(); // node → what its daemon holds
const calls: string[] = [];
const heldOn = (node: string) => held.get(node) ?? [];

/** An in-memory daemon for `node`: capable of HTTP interception or not; it parses the rules as the real one does (InvalidArgument). */
function daemonOn(node: string, capable: boolean) {
  return createInMemoryDaemonClientPool({
    async getNodeCapabilities() {
      return create(NodeCapabilitiesSchema, { nodeName: node, iptablesBackend: "nf_tables", iptablesExtensions: capable ? ["statistic", "REDIRECT", "owner"] : ["statistic"] });
    },
    async execHTTPChaos(req) {
      calls.push(`${node} ExecHTTPChaos ${req.recordKey}`);
      try {
        parseHttpRules(JSON.parse(req.rules));
        for (const r of JSON.parse(req.rules) as { actions: { patch?: { body?: { value: string } } } }[]) if (r.actions.patch?.body) JSON.parse(r.actions.patch.body.value);
      } catch (err) {
        throw new ConnectError(`rules[0].actions.patch.body.value: ${(err as Error).message}`, Code.InvalidArgument);
      }
      held.set(node, [...heldOn(node).filter((h) => h.recordKey !== req.recordKey), { recordKey: req.recordKey, containerId: req.containerId, rules: req.rules, tls: req.tls }]);
      return {};
    },
    async recoverHTTPChaos(req) {
      calls.push(`${node} RecoverHTTPChaos ${req.recordKey}`);
      held.set(node, heldOn(node).filter((h) => h.recordKey !== req.recordKey));
      return {};
    },
    async listHTTPChaos() {
      return { injections: heldOn(node).map(({ recordKey, containerId, rules }) => ({ recordKey, containerId, rules })) };
    },
  });
}
const pools: { [node: string]: DaemonClientPool } = { [capableNode]: daemonOn(capableNode, true), [incapableNode]: daemonOn(incapableNode, false) };
const daemons: DaemonClientPool = { clientFor: (node, nn) => pools[node]!.clientFor(node, nn), size: () => 2, close: () => undefined };

const manager = () => kindRecordsReconciler(httpChaos, { core, customObjects, daemons });
let driver: ReturnType<typeof kindDriver<HTTPChaos>>;
const read = (name: string) => driver.read(name);
const drive = (reconciler: ReturnType<typeof manager>, name: string, done: (obj: HTTPChaos | undefined) => boolean) => driver.drive(reconciler, name, done);
const createChaos = (name: string, spec: object) => driver.create(name, spec);
const deleteChaos = (name: string) => driver.remove(manager(), name);
const events = (name: string) => driver.events(name);

const pods: { [name: string]: V1Pod } = {};
async function runPod(name: string, app: string, nodeName: string): Promise<V1Pod> {
  const pod = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name, labels: { app } }, spec: { nodeName, containers: [{ name: "main", image: "nginx" }] } } });
  pod.status = {
    phase: "Running",
    containerStatuses: [{ name: "main", containerID: `containerd://${pod.metadata!.uid!.replace(/-/g, "").padEnd(64, "0")}`, image: "nginx", imageID: "", ready: true, restartCount: 0 }],
  };
  return (pods[name] = await core.replaceNamespacedPodStatus({ namespace: ns.name, name, body: pod }));
}
const keyOf = (chaos: HTTPChaos, pod: string) => `${chaos.metadata.uid}/${ns.name}/${pod}`;

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "httpchaos-mgr");
  driver = kindDriver(httpChaos, { core, customObjects, namespace: ns.name });
  // no kubelet runs these nodes: Node objects keep the controller manager's pod GC (full mode) from deleting their pods as orphans
  for (const node of [capableNode, incapableNode]) {
    await core.createNode({ body: { metadata: { name: node, labels: { "faultline.dev/test-node": "true" } } } });
    nodesCreated.push(node);
  }
  await runPod("nginx-0", "nginx", capableNode);
  await runPod("nginx-1", "nginx", capableNode);
  await runPod("far-0", "far", incapableNode);
}, 300_000);

afterAll(async () => {
  await ns?.remove();
  for (const node of nodesCreated) await core.deleteNode({ name: node }).catch(() => undefined);
}, 60_000);

describe("HTTPChaos in the records pipeline", () => {
  it("Chaos Mesh's http-patch-response (namespace adapted): every selected pod gets the rule under its own record key, and an Event says TLS passes through", async () => {
    const example: HTTPChaos = parse(readFileSync(new URL("./examples/http-patch-response.yaml", import.meta.url), "utf8"));
    await createChaos("http-patch-response", { ...example.spec, selector: { namespaces: [ns.name], labelSelectors: { app: "nginx" } } });
    const obj = (await drive(manager(), "http-patch-response", allInjected))!;
    expect(obj.status!.experiment!.containerRecords!.map((r) => [r.id, r.phase]).sort()).toEqual([
      [`${ns.name}/nginx-0`, "Injected"],
      [`${ns.name}/nginx-1`, "Injected"],
    ]);
    const rule = {
      target: "Response",
      selector: { port: 80, path: "/api" },
      actions: { patch: { headers: [["Set-Cookie", "foo=bar"]], body: { type: "JSON", value: '{"foo": "bar"}' } } },
      source: `${ns.name}/http-patch-response`,
      port: 80,
    };
    expect(heldOn(capableNode).sort((a, b) => a.recordKey.localeCompare(b.recordKey)).map((h) => ({ ...h, rules: JSON.parse(h.rules) }))).toEqual(
      ["nginx-0", "nginx-1"].map((pod) => ({ recordKey: keyOf(obj, pod), containerId: pods[pod]!.status!.containerStatuses![0]!.containerID, rules: [rule], tls: "" })),
    );
    expect(await events("http-patch-response")).toContainEqual(expect.objectContaining({ type: "Normal", reason: "TLSPassedThrough", message: tlsPassThroughMessage(80) }));
  }, 120_000);

  it("tls: the PEMs of a real Secret (the chaos's namespace, tls.crt and tls.key) go to the daemon", async () => {
    await core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: "server-tls" }, type: "kubernetes.io/tls", stringData: { "tls.crt": "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n", "tls.key": "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n" } },
    });
    await createChaos("https-delay", { mode: "all", selector: { pods: { [ns.name]: ["nginx-1"] } }, target: "Request", port: 443, delay: "100ms", tls: { secretName: "server-tls" } });
    const obj = (await drive(manager(), "https-delay", allInjected))!;
    const injection = heldOn(capableNode).find((h) => h.recordKey === keyOf(obj, "nginx-1"))!;
    expect(JSON.parse(injection.tls)).toEqual({ cert: "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n", key: "-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n" });
    expect((await events("https-delay")).filter((e) => e.reason === "TLSPassedThrough")).toEqual([]);
    await deleteChaos("https-delay");
  }, 120_000);

  it("tls naming a Secret that is not there: a Failed event naming the field, nothing sent", async () => {
    await createChaos("https-missing", { mode: "all", selector: { pods: { [ns.name]: ["nginx-0"] } }, target: "Request", port: 443, abort: true, tls: { secretName: "absent" } });
    const obj = (await drive(manager(), "https-missing", anyFailed))!;
    expect(await events("https-missing")).toContainEqual(expect.objectContaining({ type: "Warning", reason: "Failed", message: expect.stringContaining(`spec.tls.secretName: Secret ${ns.name}/absent not found`) }));
    expect(calls.filter((c) => c.includes(obj.metadata.uid!))).toEqual([]);
    await deleteChaos("https-missing");
  }, 120_000);

  it("a patch value CEL lets through but the daemon's strict parser refuses: a Failed event naming the field", async () => {
    await createChaos("bad-json", { mode: "all", selector: { pods: { [ns.name]: ["nginx-0"] } }, target: "Response", port: 80, patch: { body: { type: "JSON", value: '{"a": }' } } });
    const obj = (await drive(manager(), "bad-json", anyFailed))!;
    expect(await events("bad-json")).toContainEqual(
      expect.objectContaining({ type: "Warning", reason: "Failed", message: expect.stringMatching(new RegExp(`the daemon on node ${capableNode} refused the request \\(InvalidArgument\\): rules\\[0\\]\\.actions\\.patch\\.body\\.value: `)) }),
    );
    expect(heldOn(capableNode).map((h) => h.recordKey)).not.toContain(keyOf(obj, "nginx-0"));
    await deleteChaos("bad-json");
  }, 120_000);

  it("a second HTTPChaos on the same pod composes; deleting it recovers its key only", async () => {
    await createChaos("abort-api", { mode: "all", selector: { pods: { [ns.name]: ["nginx-0"] } }, target: "Request", port: 80, path: "/api/*", abort: true });
    const second = (await drive(manager(), "abort-api", allInjected))!;
    const example = (await read("http-patch-response"))!;
    expect(heldOn(capableNode).map((h) => h.recordKey).sort()).toEqual([keyOf(example, "nginx-0"), keyOf(example, "nginx-1"), keyOf(second, "nginx-0")].sort());
    await deleteChaos("abort-api");
    expect(calls).toContain(`${capableNode} RecoverHTTPChaos ${keyOf(second, "nginx-0")}`);
    expect(heldOn(capableNode).map((h) => h.recordKey).sort()).toEqual([keyOf(example, "nginx-0"), keyOf(example, "nginx-1")].sort());
  }, 120_000);

  it("a pod on a node whose daemon lacks http/interception: a Failed event naming the node and the capability, nothing sent", async () => {
    await createChaos("spread", { mode: "all", selector: { labelSelectors: { app: "far" } }, target: "Request", port: 80, abort: true });
    await drive(manager(), "spread", anyFailed);
    expect(calls.filter((c) => c.startsWith(incapableNode))).toEqual([]);
    expect(await events("spread")).toContainEqual(
      expect.objectContaining({ type: "Warning", reason: "Failed", message: expect.stringContaining(`node ${incapableNode} cannot perform HTTPChaos: its daemon lacks http/interception`) }),
    );
    const obj = (await read("spread"))!;
    await deleteChaos("spread");
    // deleting it recovers the record by its key, which that daemon does not hold: recovered, nothing stuck
    expect(calls.filter((c) => c.startsWith(incapableNode))).toEqual([`${incapableNode} RecoverHTTPChaos ${keyOf(obj, "far-0")}`]);
  }, 120_000);

  it("a recreated pod is injected again while the experiment runs, by a fresh manager too", async () => {
    const example = (await read("http-patch-response"))!;
    const old = pods["nginx-1"]!.metadata!.uid;
    await core.deleteNamespacedPod({ namespace: ns.name, name: "nginx-1", gracePeriodSeconds: 0 });
    for (let i = 0; i < 50 && (await core.listNamespacedPod({ namespace: ns.name })).items.some((p) => p.metadata?.name === "nginx-1"); i++) await sleep(100);
    // the daemon dropped the gone pod's proxy (its network namespace went with it)
    held.set(capableNode, heldOn(capableNode).filter((h) => h.recordKey !== keyOf(example, "nginx-1")));
    await runPod("nginx-1", "nginx", capableNode);
    expect(pods["nginx-1"]!.metadata!.uid).not.toBe(old);
    await sleep(250);
    await drive(manager(), "http-patch-response", () => heldOn(capableNode).some((h) => h.recordKey === keyOf(example, "nginx-1")));
    expect(heldOn(capableNode).find((h) => h.recordKey === keyOf(example, "nginx-1"))).toMatchObject({ containerId: pods["nginx-1"]!.status!.containerStatuses![0]!.containerID });
    expect(await events("http-patch-response")).toContainEqual(expect.objectContaining({ message: expect.stringMatching(new RegExp(`^Re-applied chaos for .*${ns.name}/nginx-1\\b`)) }));
  }, 120_000);

  it("deleting the experiment recovers every record's key and leaves the daemons holding nothing", async () => {
    await deleteChaos("http-patch-response");
    expect(heldOn(capableNode)).toEqual([]);
    expect(heldOn(incapableNode)).toEqual([]);
  }, 120_000);
});
