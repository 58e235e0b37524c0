// The Schedule controller on the local cluster's real API server, run by the ControllerRunner the
// manager uses, on the real clock with seconds-field and @every 2s schedules. The tests play the
// chaos controller by writing the children's status.
import { pauseAnnotation } from "@faultline/api";
import { ControllerRunner, createKubernetesEventRecorder, silentLogger, type ManagedController } from "@faultline/controller";
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from "@kubernetes/client-node";
import { managedByLabel, scheduleSlotAnnotation } from "./schedule-names.js";
import { createScheduleController } from "./schedule-controller.js";
import type { Schedule } from "./schedule-types.js";
import { eventsOf, installScheduleCrds, testKinds } from "./schedule.test-support.js";

const group = "chaos-mesh.org";
const version = "v1alpha1";
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
type Obj = { metadata: { name: string; namespace: string; uid: string; labels?: { [k: string]: string }; annotations?: { [k: string]: string }; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }[] }; spec: unknown; status?: any };

let kubeConfig: KubeConfig;
let objects: CustomObjectsApi;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;
let runner: ControllerRunner | undefined;

const controllerFor = (customObjects: CustomObjectsApi): ManagedController =>
  createScheduleController({ customObjects, events: createKubernetesEventRecorder(kubeConfig.makeApiClient(CoreV1Api), { onError: () => undefined }), logger: silentLogger(), kinds: testKinds });

async function startRunner(customObjects: CustomObjectsApi = objects): Promise<ControllerRunner> {
  const started = new ControllerRunner({ kubeConfig, controllers: [controllerFor(customObjects)], workers: 2 });
  await started.start();
  return started;
}

const selector = { selector: { namespaces: ["nowhere"] }, mode: "all" };
const scheduleBody = (name: string, spec: object, annotations?: { [k: string]: string }) => ({
  apiVersion: `${group}/${version}`,
  kind: "Schedule",
  metadata: { name, namespace: ns.name, ...(annotations && { annotations }) },
  spec,
});
const createSchedule = async (name: string, spec: object, annotations?: { [k: string]: string }) =>
  (await objects.createNamespacedCustomObject({ group, version, namespace: ns.name, plural: "schedules", body: scheduleBody(name, spec, annotations) })) as Schedule;
const readSchedule = async (name: string) => (await objects.getNamespacedCustomObject({ group, version, namespace: ns.name, plural: "schedules", name })) as Schedule;
const deleteSchedule = (name: string) => objects.deleteNamespacedCustomObject({ group, version, namespace: ns.name, plural: "schedules", name }).catch(() => undefined);
const children = async (plural: string, schedule: string) =>
  ((await objects.listNamespacedCustomObject({ group, version, namespace: ns.name, plural, labelSelector: `${managedByLabel}=${schedule}` })) as { items: Obj[] }).items.sort((a, b) =>
    a.metadata.annotations![scheduleSlotAnnotation]!.localeCompare(b.metadata.annotations![scheduleSlotAnnotation]!),
  );
const patchStatus = (plural: string, name: string, status: object) =>
  objects.patchNamespacedCustomObjectStatus({ group, version, namespace: ns.name, plural, name, body: { status } }, mergePatch);
const finished = { experiment: { desiredPhase: "Stop", containerRecords: [{ id: "a/b/c", selectorKey: ".", phase: "Not Injected", injectedCount: 1, recoveredCount: 1 }] } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  ({ kubeConfig } = await localCluster("api-only"));
  objects = kubeConfig.makeApiClient(CustomObjectsApi);
  await installScheduleCrds(kubeConfig);
  ns = await createTestNamespace(kubeConfig, "schedule");
}, 300_000);

afterAll(async () => {
  await runner?.stop({ graceMs: 1000 });
  await ns?.remove();
  if (kubeConfig) await applyChaosCrds(kubeConfig); // the generated CRDs back in place of the test ones
}, 60_000);

describe("the Schedule controller", () => {
  beforeAll(async () => {
    runner = await startRunner();
  }, 60_000);

  test("spawns on time, owned and labelled, with the template's spec; Allow lets runs overlap", async () => {
    const schedule = await createSchedule("allow", { schedule: "@every 2s", type: "LastingTestChaos", concurrencyPolicy: "Allow", lastingTestChaos: { ...selector, duration: "1h" } });
    const spawned = await eventually("two overlapping children", async () => {
      const list = await children("lastingtestchaos", "allow");
      return list.length >= 2 ? list : undefined;
    }, 15_000);
    await deleteSchedule("allow");
    const [first, second] = spawned as [Obj, Obj];
    expect(first.metadata.ownerReferences).toEqual([{ apiVersion: `${group}/${version}`, kind: "Schedule", name: "allow", uid: schedule.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    expect(first.metadata.labels).toEqual({ [managedByLabel]: "allow" });
    expect(first.spec).toEqual({ ...selector, duration: "1h" });
    const slots = spawned.map((c) => Date.parse(c.metadata.annotations![scheduleSlotAnnotation]!));
    expect(slots[1]! - slots[0]!).toBe(2000);
    expect(first.metadata.name).toBe(`allow-${slots[0]! / 1000}`);
    expect(second.metadata.name).toBe(`allow-${slots[1]! / 1000}`);
    const events = await eventsOf(kubeConfig, ns.name, "allow");
    expect(events.filter((e) => e.reason === "Spawned").map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining(`created LastingTestChaos ${first.metadata.name}`)]));
  }, 30_000);

  test("status: time is the last slot, nextTime the next, active the unfinished children", async () => {
    await createSchedule("status", { schedule: "*/2 * * * * *", type: "OneShotTestChaos", oneShotTestChaos: selector });
    const status = await eventually("a run recorded", async () => {
      const s = await readSchedule("status");
      return s.status?.time && s.status.active?.length ? s.status : undefined;
    }, 15_000);
    const [child] = await children("oneshottestchaos", "status"); // before the garbage collector takes it with the Schedule
    await deleteSchedule("status");
    expect(status.active).toEqual([{ apiVersion: `${group}/${version}`, kind: "OneShotTestChaos", name: child!.metadata.name, namespace: ns.name, uid: child!.metadata.uid }]);
    expect(status.time).toBe(child!.metadata.annotations![scheduleSlotAnnotation]);
    expect(Date.parse(status.nextTime!) - Date.parse(status.time!)).toBe(2000);
    expect(status.conditions?.find((c) => c.type === "Ready")).toMatchObject({ status: "True", reason: "Scheduled" });
  }, 30_000);

  test("Forbid: no run while a child is unfinished (ScheduleForbid), the next once it finishes", async () => {
    await createSchedule("forbid", { schedule: "*/2 * * * * *", type: "LastingTestChaos", lastingTestChaos: selector });
    const [first] = await eventually("the first child", async () => {
      const list = await children("lastingtestchaos", "forbid");
      return list.length ? list : undefined;
    }, 15_000);
    await sleep(5000);
    expect(await children("lastingtestchaos", "forbid")).toHaveLength(1);
    // every waiting slot (one each 2 s) repeats one Event, counted, instead of writing an Event a slot
    const forbidden = await eventually("the waiting runs counted on one Event", async () => {
      const list = (await eventsOf(kubeConfig, ns.name, "forbid")).filter((e) => e.reason === "ScheduleForbid");
      return list.length === 1 && list[0]!.count >= 2 ? list : undefined;
    }, 10_000);
    expect(forbidden[0]!.message).toBe(`runs wait: LastingTestChaos ${first!.metadata.name} is not finished (concurrencyPolicy Forbid)`);
    await patchStatus("lastingtestchaos", first!.metadata.name, finished);
    await eventually("a second child once the first finished", async () => ((await children("lastingtestchaos", "forbid")).length === 2 ? true : undefined), 10_000);
    await deleteSchedule("forbid");
    expect((await readSchedule("forbid").catch(() => undefined))?.spec.concurrencyPolicy ?? "Forbid").toBe("Forbid");
  }, 40_000);

  test("historyLimit deletes only finished children, oldest first", async () => {
    await createSchedule("history", { schedule: "@every 2s", type: "LastingTestChaos", concurrencyPolicy: "Allow", historyLimit: 2, lastingTestChaos: selector });
    const list = await eventually("four children", async () => {
      const l = await children("lastingtestchaos", "history");
      return l.length >= 4 ? l : undefined;
    }, 20_000);
    // nothing finished: nothing deleted, whatever the limit
    const [c1, c2, c3] = list as [Obj, Obj, Obj];
    await patchStatus("lastingtestchaos", c1.metadata.name, finished);
    await patchStatus("lastingtestchaos", c3.metadata.name, finished);
    await eventually("the finished ones deleted", async () => {
      const names = (await children("lastingtestchaos", "history")).map((c) => c.metadata.name);
      return !names.includes(c1.metadata.name) && !names.includes(c3.metadata.name) ? names : undefined;
    }, 10_000);
    // read before the Schedule goes: on a cluster with a garbage collector its children go with it
    const names = (await children("lastingtestchaos", "history")).map((c) => c.metadata.name);
    await deleteSchedule("history");
    expect(names).toContain(c2.metadata.name);
  }, 40_000);

  test("startingDeadlineSeconds: a Schedule last run an hour ago runs once now; without it, more than 100 missed is an error", async () => {
    const hourAgo = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const [name, deadline] of [["stale-deadline", 10], ["stale-none", undefined]] as const) {
      await createSchedule(name, { schedule: "*/2 * * * * *", type: "LastingTestChaos", lastingTestChaos: selector, ...(deadline && { startingDeadlineSeconds: deadline }) }, { [pauseAnnotation]: "true" });
      await eventually("paused recorded", async () => ((await readSchedule(name)).status?.conditions?.some((c) => c.type === "Paused" && c.status === "True") ? true : undefined));
      await patchStatus("schedules", name, { time: hourAgo });
      await objects.patchNamespacedCustomObject({ group, version, namespace: ns.name, plural: "schedules", name, body: { metadata: { annotations: { [pauseAnnotation]: null } } } }, mergePatch);
    }
    const [child] = await eventually("one run within the deadline", async () => {
      const l = await children("lastingtestchaos", "stale-deadline");
      return l.length ? l : undefined;
    }, 10_000);
    expect(Date.now() - Date.parse(child!.metadata.annotations![scheduleSlotAnnotation]!)).toBeLessThan(10_000);
    const missed = (await eventsOf(kubeConfig, ns.name, "stale-deadline")).find((e) => e.reason === "MissedSchedule");
    expect(missed?.message).toMatch(/^runs due since .* were skipped: more than 10s late \(startingDeadlineSeconds\)$/);

    const ready = await eventually("Ready False", async () => (await readSchedule("stale-none")).status?.conditions?.find((c) => c.type === "Ready" && c.status === "False"));
    expect(ready).toMatchObject({ reason: "TooManyMissedStartTimes", message: expect.stringContaining("too many missed start times (> 100)") });
    expect((await eventsOf(kubeConfig, ns.name, "stale-none")).find((e) => e.reason === "Failed")?.message).toContain("too many missed start times (> 100)");
    expect(await children("lastingtestchaos", "stale-none")).toHaveLength(0);
    await deleteSchedule("stale-deadline");
    await deleteSchedule("stale-none");
  }, 40_000);

  test("pause: propagated to the children and removed after; a paused Schedule spawns nothing", async () => {
    await createSchedule("pause", { schedule: "@every 2s", type: "LastingTestChaos", concurrencyPolicy: "Allow", lastingTestChaos: selector });
    await eventually("a child", async () => ((await children("lastingtestchaos", "pause")).length ? true : undefined), 15_000);
    await objects.patchNamespacedCustomObject({ group, version, namespace: ns.name, plural: "schedules", name: "pause", body: { metadata: { annotations: { [pauseAnnotation]: "true" } } } }, mergePatch);
    const paused = await eventually("every child paused", async () => {
      const l = await children("lastingtestchaos", "pause");
      return l.every((c) => c.metadata.annotations?.[pauseAnnotation] === "true") ? l : undefined;
    }, 10_000);
    await sleep(4500);
    expect((await children("lastingtestchaos", "pause")).length).toBe(paused.length);
    expect((await readSchedule("pause")).status?.nextTime).toBeUndefined();
    await objects.patchNamespacedCustomObject({ group, version, namespace: ns.name, plural: "schedules", name: "pause", body: { metadata: { annotations: { [pauseAnnotation]: null } } } }, mergePatch);
    await eventually("pause removed and runs resumed", async () => {
      const l = await children("lastingtestchaos", "pause");
      return l.length > paused.length && l.every((c) => c.metadata.annotations?.[pauseAnnotation] === undefined) ? true : undefined;
    }, 10_000);
    await deleteSchedule("pause");
  }, 40_000);

  test("type Workflow spawns Workflows; Forbid waits for Accomplished", async () => {
    await createSchedule("wf", { schedule: "*/2 * * * * *", type: "Workflow", workflow: { entry: "entry", templates: [{ name: "entry", templateType: "Suspend", deadline: "1s" }] } });
    const [first] = await eventually("a Workflow", async () => {
      const l = await children("workflows", "wf");
      return l.length ? l : undefined;
    }, 15_000);
    expect(first!.spec).toEqual({ entry: "entry", templates: [{ name: "entry", templateType: "Suspend", deadline: "1s" }] });
    await sleep(4000);
    expect(await children("workflows", "wf")).toHaveLength(1);
    await patchStatus("workflows", first!.metadata.name, { conditions: [{ type: "Accomplished", status: "True" }] });
    await eventually("a second Workflow", async () => ((await children("workflows", "wf")).length === 2 ? true : undefined), 10_000);
    await deleteSchedule("wf");
  }, 40_000);

  test("a cron the pattern lets through but robfig refuses: Ready False InvalidSchedule and a Warning event", async () => {
    await createSchedule("bad-range", { schedule: "0 0 * 13 *", type: "LastingTestChaos", lastingTestChaos: selector });
    const ready = await eventually("Ready False", async () => (await readSchedule("bad-range")).status?.conditions?.find((c) => c.type === "Ready" && c.status === "False"));
    expect(ready).toMatchObject({ reason: "InvalidSchedule", message: "parse schedule field error: end of range (13) above maximum (12): 13" });
    expect(await eventsOf(kubeConfig, ns.name, "bad-range")).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Warning", reason: "Failed", message: "parse schedule field error: end of range (13) above maximum (12): 13" })]));
    await deleteSchedule("bad-range");
  }, 20_000);

  afterAll(async () => {
    await runner?.stop({ graceMs: 1000 });
    runner = undefined;
  }, 30_000);
});

describe("a restart between the spawn and the status write", () => {
  test("neither loses nor duplicates the slot", async () => {
    // the first manager "dies" right after creating a child: every later call of its fails
    let dead = false;
    const dying = new Proxy(objects, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== "function") return value;
        return async (...args: unknown[]) => {
          if (dead) throw new Error("this manager is dead");
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (property === "createNamespacedCustomObject" && (args[0] as { plural: string }).plural === "lastingtestchaos") dead = true;
          return result;
        };
      },
    });
    const first = await startRunner(dying);
    await createSchedule("restart", { schedule: "@every 2s", type: "LastingTestChaos", lastingTestChaos: selector });
    await eventually("the first manager spawned and died", async () => (dead ? true : undefined), 15_000);
    await first.stop({ graceMs: 200 });
    const orphan = await children("lastingtestchaos", "restart");
    expect(orphan).toHaveLength(1);
    expect((await readSchedule("restart")).status?.time).toBeUndefined();

    // the second manager records that slot's run instead of spawning it again, then goes on
    runner = await startRunner();
    const slot = orphan[0]!.metadata.annotations![scheduleSlotAnnotation]!;
    const status = await eventually("the orphan's slot recorded", async () => {
      const s = await readSchedule("restart");
      return s.status?.time ? s.status : undefined;
    }, 10_000);
    expect(status.time).toBe(slot);
    await patchStatus("lastingtestchaos", orphan[0]!.metadata.name, finished);
    await eventually("the next run", async () => ((await children("lastingtestchaos", "restart")).length >= 2 ? true : undefined), 10_000);
    const all = await children("lastingtestchaos", "restart"); // before the garbage collector takes them with the Schedule
    await deleteSchedule("restart");
    const slots = all.map((c) => c.metadata.annotations![scheduleSlotAnnotation]);
    expect(new Set(slots).size).toBe(slots.length);
    expect(all[0]!.metadata.name).toBe(orphan[0]!.metadata.name);
    expect((await eventsOf(kubeConfig, ns.name, "restart")).filter((e) => e.reason === "Spawned" && e.message.includes(orphan[0]!.metadata.name))).toHaveLength(1);
  }, 40_000);
});
