// DNSChaos from the object to the packet: a DNSChaos on the real API server, the records pipeline
// with the kind's manager impl, a pooled gRPC client, the real daemon (its capability probe, the
// interceptor it starts in the pod's network namespace, real iptables there) and a real pod of the
// private containerd with its own network namespace, whose resolv.conf names the spec's own DNS
// server (on the pod bridge's gateway, this machine). The API pod object carries the real
// container's id, as a kubelet would write it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer, nodeCapabilityHandlers, nodeCapabilityProbeFor } from "@faultline/daemon-server";
import { createDaemonClientPool, createStaticDaemonLocator } from "@faultline/daemon-client";
import { applyChaosCrds, createTestNamespace, defaultTestContainerdSocket, localCluster, startDnsZoneServer, type DnsZoneServer } from "@faultline/test-ground";
import { planAnnotation, type ExperimentPlan } from "@faultline/api";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { NetworkPods, inPod, type NetworkPod } from "../network/daemon/network-pods.test-support.js";
import type { DNSChaos } from "./dns-chaos-crd.js";
import { createDnsChaosDaemon } from "./dns-chaos-daemon.js";
import { allInjected, kindDriver, kindRecordsReconciler } from "../kind-pipeline.test-support.js";
import { dnsChaos } from "./dns-chaos.js";
import { lookupInPod, type DnsLookup } from "./dns-daemon.test-support.js";

const nodeName = `dns-e2e-node-${Math.random().toString(36).slice(2, 7)}`;
const pods = new NetworkPods(defaultTestContainerdSocket());
let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let daemon: { socketPath: string; stop(): Promise<void> };
let pool: ReturnType<typeof createDaemonClientPool>;
let upstream: DnsZoneServer;
let gateway: string;
let target: NetworkPod;
let driver: ReturnType<typeof kindDriver<DNSChaos>>;
let nodeCreated = false;

/**
 * The daemon as the daemon app composes it for this kind: DNSChaos's handlers and GetNodeCapabilities
 * from the real probe, on a unix socket, over the private containerd; its interception state in a
 * directory of its own.
 */
async function startDaemon() {
  const dir = mkdtempSync(join(tmpdir(), "faultline-dns-e2e-"));
  const socketPath = join(dir, "daemon.sock");
  const runner = new NamespaceProcessRunner();
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopLoop = new AbortController();
  const dns = createDnsChaosDaemon({ runtime, runner }, { stateDir: join(dir, "state"), reconcileIntervalMs: 500, onReconcile: () => undefined, signal: stopLoop.signal });
  const handlers = new DaemonHandlerRegistry().register("DNSChaos", dns.handlers).register("node", nodeCapabilityHandlers(nodeCapabilityProbeFor(runner)));
  const server = createDaemonServer({ handlers, logger: createDaemonLogger({ format: "json", stream: new PassThrough() }) });
  await server.listen({ socketPath });
  return {
    socketPath,
    async stop() {
      stopLoop.abort();
      await server.close(1000);
      runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const lookup = (name: string, type = "A"): Promise<DnsLookup> => lookupInPod(target, gateway, name, type);
const manager = () => kindRecordsReconciler(dnsChaos, { core, customObjects, daemons: pool });

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "dnschaos-e2e");
  driver = kindDriver(dnsChaos, { core, customObjects, namespace: ns.name });

  // the real pod, its resolv.conf naming the spec's server on the bridge's gateway, as a pod's names the cluster DNS
  target = await pods.start("dns-e2e");
  gateway = (JSON.parse(await inPod(target, ["ip", "-j", "-4", "route", "show", "default"])) as { gateway: string }[])[0]!.gateway;
  upstream = await startDnsZoneServer({ host: gateway, port: 53, ttl: 600, zone: { "google.com": { A: ["192.0.2.10"] }, "github.com": { A: ["192.0.2.20"] }, "gitlab.com": { A: ["192.0.2.30"] } } });
  writeFileSync(`/proc/${target.pid}/root/etc/resolv.conf`, `search ${ns.name}.svc.cluster.local svc.cluster.local\nnameserver ${gateway}\noptions ndots:5\n`);

  daemon = await startDaemon();
  pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });

  // the API's view of it: a pod bound to a node no kubelet runs (a Node object keeps the pod GC away), with the real container's id
  await core.createNode({ body: { metadata: { name: nodeName, labels: { "faultline.dev/test-node": "true" } } } });
  nodeCreated = true;
  const pod = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name: "busybox-0", labels: { app: "busybox" } }, spec: { nodeName, containers: [{ name: "busybox", image: "busybox" }] } } });
  pod.status = { phase: "Running", podIP: target.ip, podIPs: [{ ip: target.ip }], containerStatuses: [{ name: "busybox", containerID: target.containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] };
  await core.replaceNamespacedPodStatus({ namespace: ns.name, name: "busybox-0", body: pod });
}, 300_000);

afterAll(async () => {
  // whatever a failed test left injected goes with its pod; the daemon's own cleanup runs as it would
  pool?.close();
  await daemon?.stop();
  await upstream?.close();
  await pods.removeAll();
  await ns?.remove();
  if (nodeCreated) await core.deleteNode({ name: nodeName }).catch(() => undefined);
}, 120_000);

describe("DNSChaos end to end (API server → pipeline → real daemon → lookups inside a real pod)", () => {
  it("Chaos Mesh's dns-chaos-example (namespaces adapted): random addresses for its patterns, other names as before; deleting it restores the real answers", async () => {
    expect(await lookup("google.com")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.10", ttl: 600 }] });
    const example: DNSChaos = parse(readFileSync(new URL("./examples/dns-chaos-example.yaml", import.meta.url), "utf8"));
    await driver.create("dns-chaos-example", { ...example.spec, selector: { namespaces: [ns.name] } });
    await driver.drive(manager(), "dns-chaos-example", allInjected);

    for (const name of ["google.com", "github.com"]) {
      const answer = await lookup(name);
      expect([name, answer.rcode, answer.answers?.length]).toEqual([name, "NOERROR", 1]);
      expect(answer.answers![0]!.data).not.toMatch(/^192\.0\.2\./);
      expect(answer.answers![0]!.ttl).toBe(5);
    }
    // no pattern matches gitlab.com ("github.?om" is one character between github. and om)
    expect(await lookup("gitlab.com")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.30", ttl: 600 }] });
    expect(await inPod(target, ["iptables-save", "-t", "nat"])).toMatch(/-A OUTPUT -p udp -m udp --dport 53 -j FAULTLINE-DNS/);

    await driver.remove(manager(), "dns-chaos-example");
    expect(await lookup("google.com")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.10", ttl: 600 }] });
    expect(await inPod(target, ["iptables-save", "-t", "nat"])).not.toMatch(/FAULTLINE-DNS/);
  }, 120_000);

  it("with the plan annotation: status.plan from the real daemon's capability probe shows ExecDNSChaos, the interceptor and the redirect; nothing injected", async () => {
    const spec = { action: "error", mode: "all", selector: { namespaces: [ns.name] }, patterns: ["github.com"] };
    await customObjects.createNamespacedCustomObject({ group: "chaos-mesh.org", version: "v1alpha1", plural: "dnschaos", namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "DNSChaos", metadata: { name: "planned", annotations: { [planAnnotation]: "true" } }, spec } });
    const planned = (await driver.drive(manager(), "planned", (o) => (o?.status as { plan?: ExperimentPlan } | undefined)?.plan !== undefined))!;
    const plan = (planned.status as { plan: ExperimentPlan }).plan;
    expect(plan.targets).toEqual([expect.objectContaining({ id: `${ns.name}/busybox-0/busybox`, node: nodeName, capable: true })]);
    const [step] = plan.targets[0]!.steps;
    expect(step).toMatchObject({ on: "daemon", rpc: "ExecDNSChaos", request: { containerId: target.containerId, action: "error", patterns: ["github.com"] } });
    expect(step!.argv![1]!.slice(-3)).toEqual(["-w", "5", "--noflush"]);
    expect((await (await pool.clientFor(nodeName, `${ns.name}/planned`)).listDNSChaos({})).injections).toEqual([]);
    expect(await inPod(target, ["iptables-save", "-t", "nat"])).not.toMatch(/FAULTLINE-DNS/);
    await driver.remove(manager(), "planned");
  }, 120_000);

  it("error on one name, with a second DNSChaos composed on the same pod: SERVFAIL where error matches, and deleting one leaves the other", async () => {
    await driver.create("fail-github", { action: "error", mode: "all", selector: { namespaces: [ns.name] }, patterns: ["github.com"] });
    await driver.create("random-all", { action: "random", mode: "all", selector: { namespaces: [ns.name] } }); // no patterns: every name
    await driver.drive(manager(), "fail-github", allInjected);
    await driver.drive(manager(), "random-all", allInjected);

    expect(await lookup("github.com")).toMatchObject({ rcode: "SERVFAIL", answers: [] }); // both match: error wins
    const gitlab = await lookup("gitlab.com");
    expect([gitlab.rcode, gitlab.answers?.[0]?.data === "192.0.2.30"]).toEqual(["NOERROR", false]);

    await driver.remove(manager(), "random-all");
    expect(await lookup("github.com")).toMatchObject({ rcode: "SERVFAIL" });
    expect(await lookup("gitlab.com")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.30", ttl: 600 }] });

    await driver.remove(manager(), "fail-github");
    expect(await lookup("github.com")).toEqual({ rcode: "NOERROR", answers: [{ type: "A", data: "192.0.2.20", ttl: 600 }] });
    expect(await inPod(target, ["iptables-save", "-t", "nat"])).not.toMatch(/FAULTLINE-DNS/);
  }, 120_000);
});
