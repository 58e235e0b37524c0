// The pipeline against the real API server (tools/local-cluster, api-only) with the generated
// HelloWorldChaos CRD. The chaos impl is this test's own: it records calls and fails on demand.
// Pods are created through the API only (no kubelet): the pipeline reads, never runs, them.
import type { CoreV1Event } from "@kubernetes/client-node";
import type { Record, RecordPhase } from "@faultline/api";
import { type ChaosImpl, ChaosKindRegistry, type ChaosObject } from "@faultline/impl-registry";
import { RecordDecodeError } from "@faultline/daemon-client";
import { createKubernetesPodSource } from "@faultline/selector";
import { type ChaosObjectClient, ConflictError, createKubernetesChaosObjectClient } from "./chaos-object-client.js";
import { createKubernetesRecordShardClient, createShardedChaosObjectClient } from "./sharded-chaos-object-client.js";
import { createKubernetesEventRecorder, type EventRecorder } from "@faultline/controller";
import { createRecordsReconciler, type Reconciler, type ReconcileRequest } from "./records-reconciler.js";
import { StatusWriteError } from "./status-writer.js";
import { createTargetSelector } from "./target-selector.js";
import { connectTestApiServer, createTestNamespace, createTestPod, sleep, type TestApiServer } from "./testing/api-server.test-support.js";
import { deleteTestNamespace } from "@faultline/test-ground";
import { testCrd, testDeps } from "./testing/in-memory-seams.test-support.js";

const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const slow = 120_000;

/** A ChaosImpl that records each call, fails for chosen records, and tracks concurrency. */
class TestImpl implements ChaosImpl {
  calls: Array<{ operation: "apply" | "recover"; id: string }> = [];
  failing = new Set<string>();
  /** Targets whose pod is gone: recovering them fails as the real decoder does (PodNotFound). */
  gone = new Set<string>();
  running = 0;
  peak = 0;
  delayMs = 0;
  apply = (_ctx: unknown, index: number, records: readonly Record[]) => this.#call("apply", records[index]!.id, "Injected");
  recover = (_ctx: unknown, index: number, records: readonly Record[]) => this.#call("recover", records[index]!.id, "Not Injected");
  async #call(operation: "apply" | "recover", id: string, phase: RecordPhase): Promise<RecordPhase> {
    this.calls.push({ operation, id });
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    try {
      if (this.delayMs) await sleep(this.delayMs);
      if (this.failing.has(id)) throw new Error(`daemon unreachable for ${id}`);
      if (this.gone.has(id)) throw new RecordDecodeError("PodNotFound", id, `pod of ${id} not found`);
      return phase;
    } finally {
      this.running--;
    }
  }
  count(operation: "apply" | "recover") {
    return this.calls.filter((c) => c.operation === operation).length;
  }
}

let api: TestApiServer;
let namespace: string;

beforeAll(async () => {
  api = await connectTestApiServer();
  namespace = await createTestNamespace(api, "records");
  for (let i = 0; i < 3; i++) await createTestPod(api.core, namespace, `web-${i}`, { app: "web" });
}, slow);

afterAll(async () => {
  if (api) await deleteTestNamespace(api.kubeConfig, namespace);
}, slow);

function setup(
  options: { oneShot?: boolean; parallelism?: number; objects?: ChaosObjectClient; events?: EventRecorder; eventWaitMs?: number; lost?: (records: readonly Record[]) => number[] } = {},
) {
  const impl = new TestImpl();
  const lost = options.lost;
  const withLost: ChaosImpl = lost ? { apply: impl.apply, recover: impl.recover, lostInjections: async (_ctx, records) => lost(records) } : impl;
  const kinds = new ChaosKindRegistry().register(
    { crd: testCrd("HelloWorldChaos"), oneShot: options.oneShot ?? false, selectorKind: "container", manager: () => withLost },
    testDeps(),
  );
  const objects = options.objects ?? createKubernetesChaosObjectClient(api.customObjects);
  const reconciler = createRecordsReconciler({
    kinds,
    objects,
    selector: createTargetSelector(createKubernetesPodSource(api.core)),
    events: options.events ?? createKubernetesEventRecorder(api.core),
    ...(options.eventWaitMs !== undefined && { eventWaitMs: options.eventWaitMs }),
    parallelism: options.parallelism ?? 8,
    backoff: { baseMs: 300, maxMs: 1200 },
    selectRetryMs: 5000,
    lostInjectionCheckMs: 300,
  });
  return { impl, reconciler };
}

let counter = 0;
async function createChaos(spec: object, annotations?: { [k: string]: string }): Promise<ReconcileRequest> {
  const name = `hello-${++counter}`;
  await api.customObjects.createNamespacedCustomObject({
    ...resource,
    namespace,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { name, annotations }, spec: { mode: "all", ...spec } },
  });
  return { kind: "HelloWorldChaos", namespace, name };
}

const webSelector = { selector: { labelSelectors: { app: "web" } } };

async function read(request: ReconcileRequest): Promise<ChaosObject | undefined> {
  try {
    return (await api.customObjects.getNamespacedCustomObject({ ...resource, namespace, name: request.name })) as ChaosObject;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

async function patchMetadata(request: ReconcileRequest, change: (obj: ChaosObject) => void) {
  for (;;) {
    const obj = (await read(request))!;
    change(obj);
    try {
      return await api.customObjects.replaceNamespacedCustomObject({ ...resource, namespace, name: request.name, body: obj });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  }
}

/** Drives the reconciler as an app's queue would, honouring requeueAfterMs, until `done` holds. */
async function drive(reconciler: Reconciler, request: ReconcileRequest, done: (obj: ChaosObject | undefined) => boolean, rounds = 20) {
  for (let i = 0; i < rounds; i++) {
    const result = await reconciler.reconcile(request);
    const obj = await read(request);
    if (done(obj)) return obj;
    await sleep(Math.min(result.requeueAfterMs ?? 200, 2000));
  }
  throw new Error(`${request.name} did not converge: ${JSON.stringify((await read(request))?.status)}`);
}

const conditions = (obj: ChaosObject | undefined) => Object.fromEntries((obj?.status?.conditions ?? []).map((c) => [c.type, c.status]));
const records = (obj: ChaosObject | undefined) => obj?.status?.experiment?.containerRecords ?? [];
const phases = (obj: ChaosObject | undefined) => Object.fromEntries(records(obj).map((r) => [r.id, r.phase]));

async function events(request: ReconcileRequest): Promise<CoreV1Event[]> {
  const list = await api.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${request.name}` });
  return list.items;
}

describe("records pipeline on the real API server", () => {
  test("adds the finalizer, selects once, applies each record once, sets conditions, records events", async () => {
    const { impl, reconciler } = setup({ oneShot: true });
    const request = await createChaos(webSelector);
    const result = await reconciler.reconcile(request);
    expect(result).toEqual({});
    const obj = await read(request);
    expect(obj?.metadata.finalizers).toContain("chaos-mesh/records");
    expect(obj?.status?.experiment?.desiredPhase).toBe("Run");
    expect(phases(obj)).toEqual({
      [`${namespace}/web-0/app`]: "Injected",
      [`${namespace}/web-1/app`]: "Injected",
      [`${namespace}/web-2/app`]: "Injected",
    });
    expect(records(obj).every((r) => r.injectedCount === 1 && r.selectorKey === "." && r.events?.[0]?.type === "Succeeded")).toBe(true);
    expect(conditions(obj)).toEqual({ Selected: "True", AllInjected: "True", AllRecovered: "False", Paused: "False" });
    expect(impl.count("apply")).toBe(3);

    // a new matching pod does not change the records; nothing is applied twice
    await createTestPod(api.core, namespace, "web-late", { app: "web" });
    try {
      await reconciler.reconcile(request);
      expect(Object.keys(phases(await read(request)))).toHaveLength(3);
      expect(impl.count("apply")).toBe(3);
    } finally {
      await api.core.deleteNamespacedPod({ namespace, name: "web-late", gracePeriodSeconds: 0 });
    }

    const reasons = (await events(request)).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["FinalizerInited", "Started", "Selected", "Applied"]));
    // one Event for the wave, naming its records (their own history is in their status events), and
    // the conditions it changed on it: no Event of their own
    const applied = (await events(request)).filter((e) => e.reason === "Applied");
    expect(applied.map((e) => e.message)).toEqual([
      `Applied chaos to 3 records (conditions Selected=True, AllInjected=True, AllRecovered=False, Paused=False): ${namespace}/web-0/app, ${namespace}/web-1/app, ${namespace}/web-2/app`,
    ]);
    expect(reasons).not.toContain("Updated");
  }, slow);

  test("a wave costs two status writes whatever its size: the apply marks before it, every outcome after it", async () => {
    const real = createKubernetesChaosObjectClient(api.customObjects);
    const written: ChaosObject[] = [];
    const objects: ChaosObjectClient = { ...real, replaceStatus: (res, obj) => (written.push(structuredClone(obj)), real.replaceStatus(res, obj)) };
    const { impl, reconciler } = setup({ objects });
    const request = await createChaos(webSelector);
    await reconciler.reconcile(request);
    expect(impl.count("apply")).toBe(3);
    expect(written).toHaveLength(2);
    // before any daemon call: desired phase, the records, each marked as being applied
    expect(written[0]!.status?.experiment?.desiredPhase).toBe("Run");
    expect(written[0]!.status?.experiment?.containerRecords?.map((r) => [r.phase, r.applying])).toEqual([
      ["Not Injected", true],
      ["Not Injected", true],
      ["Not Injected", true],
    ]);
    // after the wave: every outcome, the marks gone, the conditions with them
    expect(written[1]!.status?.experiment?.containerRecords?.map((r) => [r.phase, r.applying])).toEqual([
      ["Injected", undefined],
      ["Injected", undefined],
      ["Injected", undefined],
    ]);
    expect(written[1]!.status?.conditions?.find((c) => c.type === "AllInjected")?.status).toBe("True");
    // nothing left to do: no further write
    await reconciler.reconcile(request);
    expect(written).toHaveLength(2);
  }, slow);

  test("Events never hold the work: with every Event request hanging (a frozen API server's), the records are applied and the reconcile ends", async () => {
    const hanging: string[] = [];
    const events: EventRecorder = { record: (_obj, event) => (hanging.push(event.reason), new Promise<void>(() => undefined)) };
    const { impl, reconciler } = setup({ events, eventWaitMs: 200 });
    const request = await createChaos(webSelector);
    const started = performance.now();
    await reconciler.reconcile(request);
    expect(performance.now() - started).toBeLessThan(10_000); // awaited in turn, the 5 Events would never end
    expect(impl.count("apply")).toBe(3);
    expect(conditions(await read(request)).AllInjected).toBe("True");
    expect(hanging).toEqual(expect.arrayContaining(["FinalizerInited", "Started", "Selected", "Applied"]));
  }, slow);

  test("counts a record whose target is gone as recovered, with an Event, so deletion completes", async () => {
    const { impl, reconciler } = setup();
    const request = await createChaos(webSelector);
    await drive(reconciler, request, (o) => conditions(o).AllInjected === "True");
    impl.gone.add(`${namespace}/web-1/app`);
    await api.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name: request.name });
    await drive(reconciler, request, (o) => o === undefined);
    expect(impl.count("recover")).toBe(3); // each once: the gone one is not retried
    const recovered = (await events(request)).filter((e) => e.reason === "Recovered").map((e) => e.message);
    // Events are sent side by side: in any order
    expect(recovered).toHaveLength(2);
    expect(recovered).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^Recovered chaos for 2 records( \\(conditions [^)]*\\))?: ${namespace}/web-0/app, ${namespace}/web-2/app$`)),
        expect.stringMatching(new RegExp(`^${namespace}/web-1/app no longer exists, so nothing is left to recover: counted as recovered`)),
      ]),
    );
  }, slow);

  test("applies records in parallel up to the bound", async () => {
    const { impl, reconciler } = setup({ parallelism: 2 });
    impl.delayMs = 100;
    const request = await createChaos(webSelector);
    await reconciler.reconcile(request);
    expect(impl.count("apply")).toBe(3);
    expect(impl.peak).toBe(2);
  }, slow);

  test("pause recovers every record; removing the annotation applies again", async () => {
    const { impl, reconciler } = setup();
    const request = await createChaos(webSelector);
    await reconciler.reconcile(request);
    await patchMetadata(request, (obj) => (obj.metadata.annotations = { "experiment.chaos-mesh.org/pause": "true" }));
    await reconciler.reconcile(request);
    let obj = await read(request);
    expect(obj?.status?.experiment?.desiredPhase).toBe("Stop");
    expect(conditions(obj)).toMatchObject({ Paused: "True", AllRecovered: "True", AllInjected: "False" });
    expect(impl.count("recover")).toBe(3);

    await patchMetadata(request, (obj) => delete obj.metadata.annotations!["experiment.chaos-mesh.org/pause"]);
    await reconciler.reconcile(request);
    obj = await read(request);
    expect(conditions(obj)).toMatchObject({ Paused: "False", AllInjected: "True" });
    expect(records(obj).map((r) => [r.injectedCount, r.recoveredCount])).toEqual([[2, 1], [2, 1], [2, 1]]);
    expect((await events(request)).map((e) => e.reason)).toContain("Paused");
  }, slow);

  test("a duration runs out from the persisted creationTimestamp, even for a new reconciler", async () => {
    const first = setup();
    const request = await createChaos({ ...webSelector, duration: "3s" });
    const result = await first.reconciler.reconcile(request);
    expect(result.requeueAfterMs).toBeGreaterThan(0);
    expect(result.requeueAfterMs).toBeLessThanOrEqual(3000);
    await sleep(result.requeueAfterMs! + 1000); // creationTimestamp has second precision
    const restarted = setup(); // a manager restart: nothing in memory
    const obj = await drive(restarted.reconciler, request, (o) => conditions(o).AllRecovered === "True");
    expect(obj?.status?.experiment?.desiredPhase).toBe("Stop");
    expect(restarted.impl.count("recover")).toBe(3);
    expect((await events(request)).map((e) => e.reason)).toContain("TimeUp");
  }, slow);

  test("zero matching pods: a Failed event, no records, nothing injected, retried later", async () => {
    const { impl, reconciler } = setup();
    const request = await createChaos({ selector: { labelSelectors: { app: "nothing" } } });
    const result = await reconciler.reconcile(request);
    expect(result.requeueAfterMs).toBe(5000);
    const obj = await read(request);
    expect(obj?.status?.experiment?.containerRecords).toBeUndefined();
    expect(conditions(obj)).toMatchObject({ Selected: "False" });
    expect(impl.calls).toEqual([]);
    const failed = (await events(request)).filter((e) => e.reason === "Failed");
    expect(failed.map((e) => e.message)).toEqual(["Failed to select targets: no pod is selected"]);
    expect(failed[0]?.type).toBe("Warning");
    // the condition says why, not only the Event
    expect(obj?.status?.conditions?.find((c) => c.type === "Selected")).toEqual({
      type: "Selected",
      status: "False",
      reason: "NoPodSelected",
      message: "Failed to select targets: no pod is selected",
    });
    // a retry that fails the same way writes no status (nothing changed) and adds no Event object
    await reconciler.reconcile(request);
    expect((await read(request))?.metadata.resourceVersion).toBe(obj?.metadata.resourceVersion);
    const again = (await events(request)).filter((e) => e.reason === "Failed");
    expect(again.map((e) => [e.metadata.name, e.count])).toEqual([[failed[0]!.metadata.name, 2]]);
  }, slow);

  test("a spec error (mode fixed with value 0) waits for the object to change instead of a timed retry", async () => {
    const { impl, reconciler } = setup();
    const request = await createChaos({ ...webSelector, mode: "fixed", value: "0" });
    const result = await reconciler.reconcile(request);
    expect(result.requeueAfterMs).toBeUndefined();
    const selected = (await read(request))?.status?.conditions?.find((c) => c.type === "Selected");
    expect(selected).toMatchObject({ status: "False", reason: "InvalidValue" });
    expect(selected?.message).toMatch(/^Failed to select targets: .*0/);
    expect(impl.calls).toEqual([]);
    // fixing the spec is a change the watch delivers: the next reconcile selects
    await patchMetadata(request, (obj) => {
      (obj.spec as { value?: string }).value = "2";
    });
    const fixed = await drive(reconciler, request, (obj) => conditions(obj)["AllInjected"] === "True");
    expect(records(fixed)).toHaveLength(2);
    expect(fixed?.status?.conditions?.find((c) => c.type === "Selected")).toMatchObject({ status: "True", reason: "Selected", message: "2 target(s) selected" });
    expect(fixed?.status?.conditions?.find((c) => c.type === "AllInjected")).toMatchObject({ reason: "AllInjected", message: "2 of 2 record(s) injected" });
  }, slow);

  test("a selector naming a missing container is reported clearly", async () => {
    const { reconciler } = setup();
    const request = await createChaos({ ...webSelector, containerNames: ["db"] });
    await reconciler.reconcile(request);
    const failed = (await events(request)).filter((e) => e.reason === "Failed");
    expect(failed[0]?.message).toMatch(/Failed to select targets: .*db/);
  }, slow);

  test("one failing record does not block the others, and is retried with backoff until it succeeds", async () => {
    const { impl, reconciler } = setup();
    const bad = `${namespace}/web-1/app`;
    impl.failing.add(bad);
    const request = await createChaos(webSelector);
    const result = await reconciler.reconcile(request);
    let obj = await read(request);
    expect(phases(obj)[bad]).toBe("Not Injected");
    expect(Object.values(phases(obj)).filter((p) => p === "Injected")).toHaveLength(2);
    expect(records(obj).find((r) => r.id === bad)?.events).toEqual([
      expect.objectContaining({ type: "Failed", operation: "Apply", message: `daemon unreachable for ${bad}` }),
    ]);
    expect(result.requeueAfterMs).toBeGreaterThan(0);
    expect(result.requeueAfterMs).toBeLessThanOrEqual(300);

    // before the backoff passes, the record is not tried again
    await reconciler.reconcile(request);
    expect(impl.calls.filter((c) => c.id === bad)).toHaveLength(1);

    await sleep(350);
    const second = await reconciler.reconcile(request);
    expect(impl.calls.filter((c) => c.id === bad)).toHaveLength(2);
    expect(second.requeueAfterMs).toBeGreaterThan(300); // doubled

    impl.failing.clear();
    obj = await drive(reconciler, request, (o) => conditions(o).AllInjected === "True");
    expect(records(obj).find((r) => r.id === bad)?.events?.at(-1)).toMatchObject({ type: "Succeeded", operation: "Apply" });
    expect(impl.calls.filter((c) => c.id !== bad && c.operation === "apply")).toHaveLength(2);
  }, slow);

  test("deletion recovers every record, then removes the finalizer", async () => {
    const { impl, reconciler } = setup();
    const request = await createChaos(webSelector);
    await reconciler.reconcile(request);
    await api.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name: request.name });
    const obj = await read(request);
    expect(obj?.metadata.deletionTimestamp).toBeDefined();
    expect(await reconciler.reconcile(request)).toEqual({});
    expect(impl.count("recover")).toBe(3);
    expect(await read(request)).toBeUndefined();
    expect(await reconciler.reconcile(request)).toEqual({});
  }, slow);

  test("a deleted object waits for failing recoveries, unless cleanFinalizer is forced", async () => {
    const { impl, reconciler } = setup();
    const request = await createChaos(webSelector);
    await reconciler.reconcile(request);
    impl.failing.add(`${namespace}/web-0/app`);
    await api.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name: request.name });
    const result = await reconciler.reconcile(request);
    expect(result.requeueAfterMs).toBeGreaterThan(0);
    let obj = await read(request);
    expect(obj?.metadata.finalizers).toContain("chaos-mesh/records");
    expect(phases(obj)[`${namespace}/web-0/app`]).toBe("Injected");

    await patchMetadata(request, (o) => (o.metadata.annotations = { "chaos-mesh.chaos-mesh.org/cleanFinalizer": "forced" }));
    expect(await reconciler.reconcile(request)).toEqual({});
    obj = await read(request);
    expect(obj).toBeUndefined();
  }, slow);

  test("status writes survive a concurrent writer (conflict: re-read, re-apply, retry)", async () => {
    const real = createKubernetesChaosObjectClient(api.customObjects);
    let conflicts = 0;
    let interfered = false;
    const objects: ChaosObjectClient = {
      get: real.get,
      replace: real.replace,
      async replaceStatus(res, obj) {
        if (!interfered && obj.status?.experiment?.containerRecords?.some((r) => r.phase === "Injected")) {
          interfered = true; // another writer updates status first, with a condition the pipeline does not own
          const fresh = (await real.get(res, obj.metadata.namespace!, obj.metadata.name!))!;
          fresh.status = { ...fresh.status, conditions: [...(fresh.status?.conditions ?? []), { type: "Other" as never, status: "True" }] };
          await real.replaceStatus(res, fresh);
        }
        try {
          return await real.replaceStatus(res, obj);
        } catch (error) {
          if (error instanceof ConflictError) conflicts++;
          throw error;
        }
      },
    };
    const { impl, reconciler } = setup({ objects });
    const request = await createChaos(webSelector);
    await reconciler.reconcile(request);
    const obj = await read(request);
    expect(conflicts).toBeGreaterThanOrEqual(1);
    expect(conditions(obj)).toMatchObject({ AllInjected: "True", Other: "True" });
    expect(records(obj).map((r) => r.injectedCount)).toEqual([1, 1, 1]);
    expect(impl.count("apply")).toBe(3);
  }, slow);
  /** An object client whose status writes fail (the API server gone, as in issue 15) once a record is Injected in them. */
  function goneAfterTheApplyMarks() {
    const real = createKubernetesChaosObjectClient(api.customObjects);
    const state = { down: true };
    const objects: ChaosObjectClient = {
      ...real,
      async replaceStatus(res, obj) {
        if (state.down && obj.status?.experiment?.containerRecords?.some((r) => r.phase === "Injected")) {
          throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
        }
        return real.replaceStatus(res, obj);
      },
    };
    return { objects, state };
  }

  test("the wave's outcome write failing (the API server gone) fails the reconcile, owned, and the retry finishes the work", async () => {
    const { objects, state } = goneAfterTheApplyMarks();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const { impl, reconciler } = setup({ objects, parallelism: 1 });
      const request = await createChaos(webSelector);
      const failure = await reconciler.reconcile(request).then(() => undefined, (error: unknown) => error);
      expect(failure).toBeInstanceOf(StatusWriteError);
      expect((failure as Error).message).toContain("fetch failed");
      expect(impl.count("apply")).toBe(3);
      // what is stored: the marks, written before any apply
      expect(records(await read(request)).map((r) => [r.phase, r.applying])).toEqual([
        ["Not Injected", true],
        ["Not Injected", true],
        ["Not Injected", true],
      ]);
      // the API server is back: the queue's retry applies what was not written, once more each
      state.down = false;
      await reconciler.reconcile(request);
      expect(records(await read(request)).map((r) => [r.phase, r.applying])).toEqual([
        ["Injected", undefined],
        ["Injected", undefined],
        ["Injected", undefined],
      ]);
      expect(impl.count("apply")).toBe(6);
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  }, slow);

  test("records applied whose outcome was never written are recovered when the experiment is deleted", async () => {
    const { objects, state } = goneAfterTheApplyMarks();
    const { impl, reconciler } = setup({ objects });
    const request = await createChaos(webSelector);
    await expect(reconciler.reconcile(request)).rejects.toBeInstanceOf(StatusWriteError);
    // the manager would stop here; the experiment is deleted before anything else happens
    state.down = false;
    await api.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name: request.name });
    await drive(reconciler, request, (o) => o === undefined);
    // every applied record recovered, though its phase said Not Injected
    expect(impl.count("recover")).toBe(3);
    expect(new Set(impl.calls.filter((c) => c.operation === "recover").map((c) => c.id)).size).toBe(3);
  }, slow);

  test("more records than a status holds: they live in RecordShards owned by the experiment, the status keeps counts per phase, deletion recovers all and removes the shards", async () => {
    const shardClient = createKubernetesRecordShardClient(api.customObjects);
    const objects = createShardedChaosObjectClient(createKubernetesChaosObjectClient(api.customObjects), shardClient, { recordsPerShard: 2 });
    const { impl, reconciler } = setup({ objects });
    const request = await createChaos(webSelector);
    const stored = await drive(reconciler, request, (o) => conditions(o).AllInjected === "True");
    // what the API server holds: no records in the status, the shard count and the counts per phase
    expect(stored?.status?.experiment?.containerRecords).toBeUndefined();
    expect(stored?.status?.experiment).toMatchObject({ desiredPhase: "Run", recordShards: 2, recordCounts: { Injected: 3 } });
    expect(stored?.status?.conditions?.find((c) => c.type === "AllInjected")).toMatchObject({ status: "True", message: "3 of 3 record(s) injected" });
    // the shards: records in their order, owned by the experiment
    const shards = (await shardClient.list(namespace, stored!.metadata.uid!)).sort((a, b) => a.spec.index - b.spec.index);
    expect(shards.map((s) => [s.metadata.name, s.spec.index, s.spec.records.map((r) => [r.id, r.phase, r.applying])])).toEqual([
      [`${request.name}-records-0`, 0, [[`${namespace}/web-0/app`, "Injected", undefined], [`${namespace}/web-1/app`, "Injected", undefined]]],
      [`${request.name}-records-1`, 1, [[`${namespace}/web-2/app`, "Injected", undefined]]],
    ]);
    expect(shards[0]!.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "HelloWorldChaos", name: request.name, uid: stored!.metadata.uid, controller: true }),
    ]);
    // the pipeline's view: every record, as for a small experiment
    expect(records(await objects.get(resource, namespace, request.name)).map((r) => r.phase)).toEqual(["Injected", "Injected", "Injected"]);
    expect(impl.count("apply")).toBe(3);

    await api.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name: request.name });
    await drive(reconciler, request, (o) => o === undefined);
    expect(impl.count("recover")).toBe(3);
    expect(await shardClient.list(namespace, stored!.metadata.uid!)).toEqual([]);
  }, slow);

  test("a shard missing from the API server fails the read (retried), never a silent loss of its records", async () => {
    const shardClient = createKubernetesRecordShardClient(api.customObjects);
    const objects = createShardedChaosObjectClient(createKubernetesChaosObjectClient(api.customObjects), shardClient, { recordsPerShard: 2 });
    const { reconciler } = setup({ objects });
    const request = await createChaos(webSelector);
    await drive(reconciler, request, (o) => conditions(o).AllInjected === "True");
    await shardClient.delete(namespace, `${request.name}-records-1`);
    await expect(reconciler.reconcile(request)).rejects.toThrow(/its status names 2 record shards, shard\(s\) 1 not found/);
    await patchMetadata(request, (obj) => void (obj.metadata.finalizers = []));
  }, slow);

  it("applies again, while it runs, a record whose kind says its injection is gone (a recreated pod), and asks again later", async () => {
    let lost: string[] = [];
    const asked: number[] = [];
    const { impl, reconciler } = setup({
      lost: (records) => {
        asked.push(Date.now());
        return records.flatMap((r, i) => (lost.includes(r.id) ? [i] : []));
      },
    });
    const request = await createChaos(webSelector);
    const injected = await drive(reconciler, request, (obj) => records(obj).length === 3 && records(obj).every((r) => r.phase === "Injected"));
    const id = records(injected)[1]!.id;
    expect(impl.count("apply")).toBe(3);
    lost = [id];
    await sleep(350);
    const result = await reconciler.reconcile(request);
    expect(impl.calls.filter((c) => c.operation === "apply").map((c) => c.id).filter((i) => i === id)).toHaveLength(2);
    expect(records(await read(request)).find((r) => r.id === id)).toMatchObject({ phase: "Injected", injectedCount: 2 });
    expect(result.requeueAfterMs).toBeLessThanOrEqual(300);
    await expect(events(request)).resolves.toContainEqual(expect.objectContaining({ reason: "Applied", message: expect.stringContaining(`Re-applied chaos for ${id}`) }));
    // within the interval nobody is asked; a paused experiment is never asked
    lost = [];
    const before = asked.length;
    await reconciler.reconcile(request);
    expect(asked.length).toBe(before);
    await patchMetadata(request, (obj) => (obj.metadata.annotations = { "experiment.chaos-mesh.org/pause": "true" }));
    await sleep(350);
    await drive(reconciler, request, (obj) => records(obj).every((r) => r.phase === "Not Injected"));
    expect(asked.length).toBe(before);
  }, slow);
});
