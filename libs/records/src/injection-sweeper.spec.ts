import { kindOf, type ChaosKind, type ChaosObject, type InjectionOwner, type SweptInjection } from "@faultline/impl-registry";
import type { DaemonClientPool } from "@faultline/daemon-client";
import { Registry } from "prom-client";
import type { ChaosObjectClient } from "./chaos-object-client.js";
import type { ChaosEvent, InvolvedObject } from "@faultline/controller";
import { createHoldsCheck, createInjectionSweeper, injectionSweptReason } from "./injection-sweeper.js";
import { testCrd, testDeps } from "./testing/in-memory-seams.test-support.js";

const experiment = (name: string, uid: string, recordIds: string[]): ChaosObject => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "PodChaos",
  metadata: { namespace: "ns", name, uid },
  spec: {},
  status: { experiment: { containerRecords: recordIds.map((id) => ({ id, selectorKey: ".", phase: "Injected" })) } } as ChaosObject["status"],
});

/** Objects in memory; `get` is what the pipeline's sharded client answers (records merged). */
function store(initial: ChaosObject[]) {
  const objects = new Map(initial.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  let lists = 0;
  const client: ChaosObjectClient = {
    get: async (_r, namespace, name) => objects.get(`${namespace}/${name}`),
    replace: async () => {
      throw new Error("not used");
    },
    replaceStatus: async () => {
      throw new Error("not used");
    },
  };
  return {
    objects,
    client,
    listObjects: async () => (lists++, [...objects.values()]),
    lists: () => lists,
  };
}

/** A kind whose markers are `owner → record` pairs in memory; its sweep removes those not held. */
function markedKind(markers: { owner: InjectionOwner; recordId: string }[], fail = false): ChaosKind {
  return kindOf(
    {
      crd: testCrd("PodChaos"),
      oneShot: false,
      selectorKind: "pod",
      manager: () => ({
        apply: async () => "Injected",
        recover: async () => "Not Injected",
        async sweep(ctx) {
          if (fail) throw new Error("API server unreachable");
          const swept: SweptInjection[] = [];
          for (const marker of [...markers]) {
            if (await ctx.holds(marker.owner, marker.recordId)) continue;
            if (!ctx.dryRun) markers.splice(markers.indexOf(marker), 1);
            const [namespace, name] = marker.recordId.split("/") as [string, string];
            swept.push({ pod: { namespace, name }, owner: marker.owner, what: "pod-failure" });
          }
          return swept;
        },
      }),
    },
    testDeps(),
  );
}

const daemons = {} as DaemonClientPool;

describe("createHoldsCheck", () => {
  const kind = markedKind([]);

  it("holds a record its experiment (found by uid) still lists, whatever the record's phase", async () => {
    const s = store([experiment("a", "uid-a", ["ns/web-1"])]);
    const holds = createHoldsCheck(kind, s.client, s.listObjects);
    expect(await holds({ uid: "uid-a" }, "ns/web-1")).toBe(true);
    expect(await holds({ uid: "uid-a", namespace: "ns", name: "a" }, "ns/web-1")).toBe(true);
  });

  it("does not hold a record of a gone experiment, of another object under the same name, or one the experiment no longer lists", async () => {
    const s = store([experiment("a", "uid-a2", ["ns/web-1"])]);
    const holds = createHoldsCheck(kind, s.client, s.listObjects);
    expect(await holds({ uid: "uid-gone" }, "ns/web-1")).toBe(false);
    expect(await holds({ uid: "uid-a", namespace: "ns", name: "a" }, "ns/web-1")).toBe(false); // recreated: another uid
    expect(await holds({ uid: "uid-a2" }, "ns/web-2")).toBe(false);
  });

  it("lists again before calling an unknown uid gone: an experiment created after the pass's first list still holds", async () => {
    const s = store([experiment("a", "uid-a", ["ns/web-1"])]);
    const holds = createHoldsCheck(kind, s.client, s.listObjects);
    expect(await holds({ uid: "uid-a" }, "ns/web-1")).toBe(true);
    s.objects.set("ns/b", experiment("b", "uid-b", ["ns/web-2"]));
    expect(await holds({ uid: "uid-b" }, "ns/web-2")).toBe(true);
    expect(s.lists()).toBe(2);
  });

  it("refuses a marker without a uid rather than guessing", async () => {
    const s = store([]);
    await expect(createHoldsCheck(kind, s.client, s.listObjects)({ uid: "" }, "ns/web-1")).rejects.toThrow(/names no experiment uid/);
  });

  it("throws when the read fails: nothing is swept on a guess", async () => {
    const s = store([]);
    const holds = createHoldsCheck(kind, { ...s.client, get: async () => Promise.reject(new Error("timeout")) }, s.listObjects);
    await expect(holds({ uid: "u", namespace: "ns", name: "a" }, "ns/web-1")).rejects.toThrow("timeout");
  });
});

describe("createInjectionSweeper", () => {
  const setup = (markers: { owner: InjectionOwner; recordId: string }[], objects: ChaosObject[], fail = false) => {
    const s = store(objects);
    const events: { obj: InvolvedObject; event: ChaosEvent }[] = [];
    const logs: string[] = [];
    const registry = new Registry();
    const sweeper = createInjectionSweeper({
      kinds: { list: () => [markedKind(markers, fail)] },
      objects: s.client,
      listObjects: s.listObjects,
      listPods: async () => [],
      daemons,
      events: { record: async (obj, event) => void events.push({ obj, event }) },
      registry,
      log: (level, message) => void logs.push(`${level} ${message}`),
    });
    return { sweeper, events, logs, registry };
  };

  it("sweeps the injections of gone experiments only, with an Event on the pod and the counter", async () => {
    const markers = [
      { owner: { uid: "uid-gone" }, recordId: "ns/web-1" },
      { owner: { uid: "uid-a" }, recordId: "ns/web-2" },
    ];
    const { sweeper, events, registry } = setup(markers, [experiment("a", "uid-a", ["ns/web-2"])]);
    const result = await sweeper.sweepOnce(new AbortController().signal);
    expect(result.get("PodChaos")?.map((s) => s.pod.name)).toEqual(["web-1"]);
    expect(markers).toEqual([{ owner: { uid: "uid-a" }, recordId: "ns/web-2" }]);
    expect(events).toHaveLength(1);
    expect(events[0]!.obj).toMatchObject({ apiVersion: "v1", kind: "Pod", metadata: { namespace: "ns", name: "web-1" } });
    expect(events[0]!.event).toMatchObject({ type: "Normal", reason: injectionSweptReason });
    expect(events[0]!.event.message).toContain("uid-gone");
    expect(await registry.getSingleMetricAsString("faultline_manager_swept_injections_total")).toContain('faultline_manager_swept_injections_total{kind="PodChaos"} 1');
  });

  it("logs a failing kind and goes on; the next pass tries again", async () => {
    const { sweeper, logs, events } = setup([{ owner: { uid: "x" }, recordId: "ns/web-1" }], [], true);
    const result = await sweeper.sweepOnce(new AbortController().signal);
    expect(result.has("PodChaos")).toBe(false);
    expect(logs).toContain("warn sweep failed: retried at the next pass");
    expect(events).toEqual([]);
  });

  it("a dry run hands the kinds dryRun, reports what they found, and records no Event and no count", async () => {
    const markers = [{ owner: { uid: "uid-gone" }, recordId: "ns/web-1" }];
    const { sweeper, events, registry } = setup(markers, []);
    const pass = await sweeper.pass(new AbortController().signal, { dryRun: true });
    expect(pass).toMatchObject({ dryRun: true, kinds: ["PodChaos"], errors: [] });
    expect(pass.found).toEqual([{ kind: "PodChaos", injection: { pod: { namespace: "ns", name: "web-1" }, owner: { uid: "uid-gone" }, what: "pod-failure" } }]);
    expect(markers).toHaveLength(1);
    expect(events).toEqual([]);
    expect(await registry.getSingleMetricAsString("faultline_manager_swept_injections_total")).not.toContain('kind="PodChaos"');
    // a real pass after it sweeps
    expect((await sweeper.pass(new AbortController().signal, { dryRun: false })).found).toHaveLength(1);
    expect(markers).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it("a pass reports a failing kind in its errors", async () => {
    const { sweeper } = setup([{ owner: { uid: "x" }, recordId: "ns/web-1" }], [], true);
    const pass = await sweeper.pass(new AbortController().signal, { dryRun: true });
    expect(pass.kinds).toEqual([]);
    expect(pass.errors).toEqual(["PodChaos: sweep failed (API server unreachable)"]);
  });

  it("runs passes one at a time: a dry run asked during a real pass starts after it, and a second real request joins the first", async () => {
    const markers = [{ owner: { uid: "uid-gone" }, recordId: "ns/web-1" }];
    const { sweeper } = setup(markers, []);
    const signal = new AbortController().signal;
    const real = sweeper.pass(signal, { dryRun: false });
    const joined = sweeper.pass(signal, { dryRun: false });
    const dry = sweeper.pass(signal, { dryRun: true });
    expect(joined).toBe(real);
    expect((await real).found).toHaveLength(1);
    expect((await dry).found).toEqual([]); // it ran after the real pass had swept
  });

  it("interval 0 runs no pass at all (sweeps only when asked)", async () => {
    const markers = [{ owner: { uid: "uid-gone" }, recordId: "ns/web-1" }];
    const { sweeper, events } = setup(markers, []);
    await sweeper.run(new AbortController().signal, 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(events).toEqual([]);
    expect(markers).toHaveLength(1);
  });

  it("runs a pass at once and then on its interval until aborted", async () => {
    const markers = [{ owner: { uid: "uid-gone" }, recordId: "ns/web-1" }];
    const { sweeper, events } = setup(markers, []);
    const stop = new AbortController();
    const done = sweeper.run(stop.signal, 20);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(events).toHaveLength(1); // the pass on start
    markers.push({ owner: { uid: "uid-gone-2" }, recordId: "ns/web-3" });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(events).toHaveLength(2);
    stop.abort();
    await done;
  });
});
