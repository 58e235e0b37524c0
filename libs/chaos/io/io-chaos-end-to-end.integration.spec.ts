// IOChaos from the object to the volume: an IOChaos on the real API server, the records pipeline
// with the kind's manager impl, a pooled gRPC client, the real daemon (its capability probe with the
// real helpers, the watch) and a real container of the private containerd with a tmpfs volume at
// /var/run/etcd. The API pod object carries the real container's id, as a kubelet would write it.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner, NodeCapabilityProbe, createDaemonLogger, createDaemonServer, nodeCapabilityHandlers } from "@faultline/daemon-server";
import { createDaemonClientPool, createStaticDaemonLocator } from "@faultline/daemon-client";
import { CriPodFixture, applyChaosCrds, createTestNamespace, defaultTestContainerdSocket, localCluster } from "@faultline/test-ground";
import { planAnnotation, type ExperimentPlan } from "@faultline/api";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { allInjected, anyFailed, kindDriver, kindRecordsReconciler } from "../kind-pipeline.test-support.js";
import { ensureFdSwapBinary } from "./fd-swap-helper.test-support.js";
import type { IOChaos } from "./io-chaos-crd.js";
import { createIOChaosDaemon } from "./io-chaos-daemon.js";
import { ioChaos } from "./io-chaos.js";
import { catIn, faultedAt, mountVolume, realIOHelpers } from "./io-daemon.test-support.js";
import { ensureIofsBinary } from "./iofs-helper.test-support.js";

const nodeName = `io-e2e-node-${Math.random().toString(36).slice(2, 7)}`;
const pods = new CriPodFixture(defaultTestContainerdSocket());
const volume = "/var/run/etcd";
let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let daemon: { socketPath: string; stop(): Promise<void> };
let pool: ReturnType<typeof createDaemonClientPool>;
let target: { containerId: string; pid: number };
let driver: ReturnType<typeof kindDriver<IOChaos>>;
let nodeCreated = false;

/** The daemon as the daemon app composes it for this kind: IOChaos's handlers and GetNodeCapabilities from the real probe. */
async function startDaemon(probe: { iofsHelper?: string; fuseDevice?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "faultline-io-e2e-"));
  const socketPath = join(dir, "daemon.sock");
  const runner = new NamespaceProcessRunner();
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopWatch = new AbortController();
  const io = createIOChaosDaemon({ runtime, runner }, { ...realIOHelpers(), stateDir: join(dir, "state"), onWatch: () => undefined, signal: stopWatch.signal });
  const capabilities = new NodeCapabilityProbe({ runner, iofsHelper: ensureIofsBinary(), fdSwapHelper: ensureFdSwapBinary(), ...probe });
  const handlers = new DaemonHandlerRegistry().register("IOChaos", io.handlers).register("node", nodeCapabilityHandlers(capabilities));
  const server = createDaemonServer({ handlers, logger: createDaemonLogger({ format: "json", stream: new PassThrough() }) });
  await server.listen({ socketPath });
  return {
    socketPath,
    async stop() {
      stopWatch.abort();
      await server.close(1000);
      runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const manager = () => kindRecordsReconciler(ioChaos, { core, customObjects, daemons: pool });
const example = (file: string): IOChaos => parse(readFileSync(new URL(`./examples/${file}`, import.meta.url), "utf8"));
const db = `${volume}/member/snap/db`;
/** `n` tries of `one`, how many succeeded. */
const tries = (n: number, one: () => boolean) => Array.from({ length: n }, one).filter(Boolean).length;
const stat = (file: string) => execFileSync("nsenter", ["-t", String(target.pid), "-m", "--", "stat", "-c", "%a", file], { stdio: "pipe" }).toString().trim();

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "iochaos-e2e");
  driver = kindDriver(ioChaos, { core, customObjects, namespace: ns.name });
  target = await pods.startContainer({ name: "io-e2e", command: ["sleep", "3600"] });
  mountVolume(target.pid, volume);
  mkdirSync(`/proc/${target.pid}/root${volume}/member/snap`, { recursive: true });
  writeFileSync(`/proc/${target.pid}/root${db}`, "etcd data\n");
  daemon = await startDaemon();
  pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
  // the API's view of it: a pod labelled as Chaos Mesh's examples select, bound to a node no kubelet runs, with the real container's id
  await core.createNode({ body: { metadata: { name: nodeName, labels: { "faultline.dev/test-node": "true" } } } });
  nodeCreated = true;
  const pod = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name: "etcd-0", labels: { app: "etcd" } }, spec: { nodeName, containers: [{ name: "etcd", image: "busybox" }] } } });
  pod.status = { phase: "Running", containerStatuses: [{ name: "etcd", containerID: target.containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] };
  await core.replaceNamespacedPodStatus({ namespace: ns.name, name: "etcd-0", body: pod });
}, 300_000);

afterAll(async () => {
  pool?.close();
  await daemon?.stop();
  await pods.removeAll();
  pods.close();
  await ns?.remove();
  if (nodeCreated) await core.deleteNode({ name: nodeName }).catch(() => undefined);
}, 120_000);

describe("IOChaos end to end (API server → pipeline → real daemon and helpers → a real container's volume)", () => {
  it("Chaos Mesh's io-fault-example (errno 5 on half of the operations) makes cat fail with EIO; deleting it leaves the volume as it was", async () => {
    await driver.create("io-fault", example("io-fault-example.yaml").spec);
    await driver.drive(manager(), "io-fault", allInjected);
    expect(faultedAt(target.pid, volume)).toBe(true);
    const failures = Array.from({ length: 20 }, () => catIn(target.pid, db)).filter((r) => !r.ok);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(failure).toMatchObject({ stderr: expect.stringMatching(/Input\/output error/) });
    await driver.remove(manager(), "io-fault");
    expect(faultedAt(target.pid, volume)).toBe(false);
    expect(tries(20, () => catIn(target.pid, db).ok)).toBe(20);
  }, 180_000);

  it("with the plan annotation: status.plan from the real daemon's io/fuse probe shows ExecIOChaos and the helpers' commands; nothing mounted", async () => {
    const spec = example("io-fault-example.yaml").spec;
    await customObjects.createNamespacedCustomObject({ group: "chaos-mesh.org", version: "v1alpha1", plural: "iochaos", namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "IOChaos", metadata: { name: "planned", annotations: { [planAnnotation]: "true" } }, spec } });
    const planned = (await driver.drive(manager(), "planned", (o) => (o?.status as { plan?: ExperimentPlan } | undefined)?.plan !== undefined))!;
    const plan = (planned.status as { plan: ExperimentPlan }).plan;
    expect(plan.targets).toEqual([expect.objectContaining({ id: `${ns.name}/etcd-0/etcd`, node: nodeName, capable: true })]);
    const [step] = plan.targets[0]!.steps;
    expect(step).toMatchObject({ on: "daemon", rpc: "ExecIOChaos", request: { containerId: target.containerId, volumePath: volume } });
    expect(step!.argv!.map((a) => a.slice(0, 2))).toEqual([["faultline-iofs", "check"], ["faultline-iofs", "serve"], ["faultline-fd-swap", "--volume"]]);
    expect((await (await pool.clientFor(nodeName, `${ns.name}/planned`)).listIOChaos({})).injections).toEqual([]);
    expect(faultedAt(target.pid, volume)).toBe(false);
    await driver.remove(manager(), "planned");
  }, 120_000);

  it("Chaos Mesh's io-latency-example (100 ms on half of the operations) slows reads down", async () => {
    await driver.create("io-latency", example("io-latency-example.yaml").spec);
    await driver.drive(manager(), "io-latency", allInjected);
    const times = Array.from({ length: 10 }, () => {
      const t0 = Date.now();
      catIn(target.pid, db);
      return Date.now() - t0;
    });
    expect(Math.max(...times)).toBeGreaterThanOrEqual(100);
    await driver.remove(manager(), "io-latency");
    expect(faultedAt(target.pid, volume)).toBe(false);
  }, 180_000);

  it("Chaos Mesh's io-attr-example (perm 72 a tenth of the time) changes what stat reports", async () => {
    expect(stat(db)).toBe("644");
    await driver.create("io-attr", example("io-attr-example.yaml").spec);
    await driver.drive(manager(), "io-attr", allInjected);
    const seen = new Set(Array.from({ length: 100 }, () => stat(db)));
    expect(seen).toContain("110");
    await driver.remove(manager(), "io-attr");
    expect(stat(db)).toBe("644");
  }, 180_000);

  it("a volumePath that is not a mount point fails the record with the daemon's reason, and deleting the experiment does not hang", async () => {
    await driver.create("io-bad-volume", { mode: "all", selector: { namespaces: [ns.name] }, action: "fault", errno: 5, volumePath: "/etc" });
    const failed = await driver.drive(manager(), "io-bad-volume", anyFailed);
    const messages = (failed?.status?.experiment?.containerRecords ?? []).flatMap((r) => (r.events ?? []).map((e) => e.message ?? ""));
    expect(messages).toContainEqual(expect.stringMatching(/volume \/etc cannot be faulted: .+; nothing was mounted/));
    expect(readFileSync(`/proc/${target.pid}/mountinfo`, "utf8")).not.toContain("fuse.faultline-iofs");
    await driver.remove(manager(), "io-bad-volume");
  }, 180_000);

  it("on a node whose daemon cannot serve FUSE (no /dev/fuse), the record fails with an event naming the node and the reason, the volume untouched", async () => {
    const incapable = await startDaemon({ fuseDevice: "/nonexistent/fuse" });
    const incapablePool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${incapable.socketPath}`) });
    try {
      await driver.create("refused", { mode: "all", selector: { namespaces: [ns.name] }, action: "fault", errno: 5, volumePath: volume });
      const reconciler = kindRecordsReconciler(ioChaos, { core, customObjects, daemons: incapablePool });
      const failed = await driver.drive(reconciler, "refused", anyFailed);
      const messages = (failed?.status?.experiment?.containerRecords ?? []).flatMap((r) => (r.events ?? []).map((e) => e.message ?? ""));
      expect(messages).toContainEqual(`node ${nodeName} cannot perform IOChaos: its daemon lacks io/fuse (/dev/fuse cannot be opened: ENOENT); nothing was injected`);
      expect(faultedAt(target.pid, volume)).toBe(false);
      await driver.remove(reconciler, "refused");
    } finally {
      incapablePool.close();
      await incapable.stop();
    }
  }, 180_000);
});
