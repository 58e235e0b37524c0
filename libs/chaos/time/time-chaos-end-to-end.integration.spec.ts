// TimeChaos from the object to the clock: a TimeChaos on the real API server, the records pipeline
// with the kind's manager impl, a pooled gRPC client, the real daemon (its capability probe with
// the real helper, the watch) and a real container of the private containerd whose processes print
// their clocks. The API pod object carries the real container's id, as a kubelet would write it.
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner, NodeCapabilityProbe, createDaemonLogger, createDaemonServer, nodeCapabilityHandlers } from "@faultline/daemon-server";
import { createDaemonClientPool, createStaticDaemonLocator } from "@faultline/daemon-client";
import { CriPodFixture, applyChaosCrds, createTestNamespace, defaultTestContainerdSocket, localCluster } from "@faultline/test-ground";
import { planAnnotation, type ExperimentPlan } from "@faultline/api";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { parse } from "yaml";
import { allInjected, anyFailed, kindDriver, kindRecordsReconciler } from "../kind-pipeline.test-support.js";
import type { TimeChaos } from "./time-chaos-crd.js";
import { createTimeChaosDaemon } from "./time-chaos-daemon.js";
import { timeChaos } from "./time-chaos.js";
import { createTimeSkewHelper } from "./time-skew-helper.js";
import { ensureTimeSkewBinary } from "./time-skew-helper.test-support.js";
import { realtimeOffset, startClockContainer, type ClockContainer, type ClockLine } from "./time-daemon.test-support.js";

const nodeName = `time-e2e-node-${Math.random().toString(36).slice(2, 7)}`;
const pods = new CriPodFixture(defaultTestContainerdSocket());
let core: CoreV1Api;
let customObjects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let daemon: { socketPath: string; stop(): Promise<void> };
let pool: ReturnType<typeof createDaemonClientPool>;
let target: ClockContainer;
let driver: ReturnType<typeof kindDriver<TimeChaos>>;
let nodeCreated = false;

/** The daemon as the daemon app composes it for this kind: TimeChaos's handlers and GetNodeCapabilities from the real probe. */
async function startDaemon(probeHelper?: string) {
  const binary = ensureTimeSkewBinary();
  const dir = mkdtempSync(join(tmpdir(), "faultline-time-e2e-"));
  const socketPath = join(dir, "daemon.sock");
  const runner = new NamespaceProcessRunner();
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopWatch = new AbortController();
  const time = createTimeChaosDaemon({ runtime, runner }, { helper: createTimeSkewHelper({ binary }), stateDir: join(dir, "state"), onWatch: () => undefined, signal: stopWatch.signal });
  const handlers = new DaemonHandlerRegistry().register("TimeChaos", time.handlers).register("node", nodeCapabilityHandlers(new NodeCapabilityProbe({ runner, timeSkewHelper: probeHelper ?? binary })));
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

const manager = () => kindRecordsReconciler(timeChaos, { core, customObjects, daemons: pool });
/**
 * Polls the printer's last line until its REALTIME offset is `expected` (± 0.3 s); a generous
 * deadline (a shared, noisy machine), the time it took logged, not asserted.
 */
async function offsetBecomes(expected: number, ms = 10_000): Promise<ClockLine> {
  const start = Date.now();
  for (;;) {
    const line = target.before();
    if (line !== undefined && Math.abs(realtimeOffset(line) - expected) < 0.3) {
      console.log(`offset ${expected} s shown after ${Date.now() - start} ms`);
      return line;
    }
    if (Date.now() - start > ms) throw new Error(`offset not ${expected} within ${ms} ms: ${JSON.stringify(line)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  core = kubeConfig.makeApiClient(CoreV1Api);
  customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  ns = await createTestNamespace(kubeConfig, "timechaos-e2e");
  driver = kindDriver(timeChaos, { core, customObjects, namespace: ns.name });
  target = await startClockContainer(pods, "time-e2e");
  daemon = await startDaemon();
  pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
  // the API's view of it: a pod labelled as Chaos Mesh's example selects, bound to a node no kubelet runs, with the real container's id
  await core.createNode({ body: { metadata: { name: nodeName, labels: { "faultline.dev/test-node": "true" } } } });
  nodeCreated = true;
  const pod = await core.createNamespacedPod({ namespace: ns.name, body: { metadata: { name: "tikv-0", labels: { "app.kubernetes.io/component": "tikv" } }, spec: { nodeName, containers: [{ name: "tikv", image: "busybox" }] } } });
  pod.status = { phase: "Running", containerStatuses: [{ name: "tikv", containerID: target.containerId, image: "busybox", imageID: "", ready: true, restartCount: 0 }] };
  await core.replaceNamespacedPodStatus({ namespace: ns.name, name: "tikv-0", body: pod });
}, 300_000);

afterAll(async () => {
  pool?.close();
  await daemon?.stop();
  await pods.removeAll();
  pods.close();
  await ns?.remove();
  if (nodeCreated) await core.deleteNode({ name: nodeName }).catch(() => undefined);
}, 120_000);

describe("TimeChaos end to end (API server → pipeline → real daemon and helper → a real container's clock)", () => {
  it("Chaos Mesh's time-chaos-example shape (its namespace adapted) sets the container's clock back 10m100ns; deleting it puts it right", async () => {
    expect(Math.abs(realtimeOffset(target.before()))).toBeLessThan(0.3);
    const example: TimeChaos = parse(readFileSync(new URL("./examples/time-chaos-example.yaml", import.meta.url), "utf8"));
    await driver.create("time-shift-example", example.spec);
    await driver.drive(manager(), "time-shift-example", allInjected);
    const line = await offsetBecomes(-600);
    expect(line.gettimeofday - line.raw).toBeCloseTo(-600, 0);
    await driver.remove(manager(), "time-shift-example");
    await offsetBecomes(0);
  }, 120_000);

  it("two TimeChaos on one container add up; deleting one leaves the other in force", async () => {
    const spec = (timeOffset: string) => ({ mode: "all", selector: { namespaces: [ns.name] }, containerNames: ["tikv"], timeOffset });
    await driver.create("back-one-hour", spec("-1h"));
    await driver.create("ahead-ten-minutes", spec("10m"));
    await driver.drive(manager(), "back-one-hour", allInjected);
    await driver.drive(manager(), "ahead-ten-minutes", allInjected);
    await offsetBecomes(-3000);
    await driver.remove(manager(), "back-one-hour");
    await offsetBecomes(600);
    await driver.remove(manager(), "ahead-ten-minutes");
    await offsetBecomes(0);
  }, 120_000);

  it("with the plan annotation: status.plan from the real daemon's capability probe shows the container's SetTimeOffset and the helper's commands; nothing injected", async () => {
    const spec = { mode: "all", selector: { namespaces: [ns.name] }, containerNames: ["tikv"], timeOffset: "-1h" };
    await customObjects.createNamespacedCustomObject({ group: "chaos-mesh.org", version: "v1alpha1", plural: "timechaos", namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "TimeChaos", metadata: { name: "planned", annotations: { [planAnnotation]: "true" } }, spec } });
    const planned = (await driver.drive(manager(), "planned", (o) => (o?.status as { plan?: ExperimentPlan } | undefined)?.plan !== undefined))!;
    const plan = (planned.status as { plan: ExperimentPlan }).plan;
    expect(plan.targets).toEqual([expect.objectContaining({ id: `${ns.name}/tikv-0/tikv`, node: nodeName, capable: true })]);
    const [step] = plan.targets[0]!.steps;
    expect(step).toMatchObject({ on: "daemon", rpc: "SetTimeOffset", request: { containerId: target.containerId, sec: "-3600", clkIdsMask: "1" } });
    expect(step!.argv![1]!.slice(0, 2)).toEqual(["faultline-time-skew", "set"]);
    const daemonNow = await pool.clientFor(nodeName, `${ns.name}/planned`);
    expect((await daemonNow.listTimeChaos({})).injections).toEqual([]);
    expect(Math.abs(realtimeOffset(target.before()))).toBeLessThan(0.3);
    await driver.remove(manager(), "planned");
  }, 120_000);

  it("on a node whose daemon cannot skew (its helper missing), the record fails with an event naming the node and the reason, the clock untouched", async () => {
    const incapable = await startDaemon("/nonexistent/faultline-time-skew");
    const incapablePool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${incapable.socketPath}`) });
    try {
      await driver.create("refused", { mode: "all", selector: { namespaces: [ns.name] }, containerNames: ["tikv"], timeOffset: "-1h" });
      const reconciler = kindRecordsReconciler(timeChaos, { core, customObjects, daemons: incapablePool });
      const failed = await driver.drive(reconciler, "refused", anyFailed);
      const messages = (failed?.status?.experiment?.containerRecords ?? []).flatMap((r) => (r.events ?? []).map((e) => e.message ?? ""));
      expect(messages).toContainEqual(expect.stringMatching(new RegExp(`node ${nodeName} cannot perform TimeChaos: its daemon lacks time/vdso-skew \\(the time-skew helper's probe failed: .*ENOENT.*\\); nothing was injected`)));
      expect(Math.abs(realtimeOffset(target.before()))).toBeLessThan(0.3);
      await driver.remove(reconciler, "refused");
    } finally {
      incapablePool.close();
      await incapable.stop();
    }
  }, 120_000);
});
