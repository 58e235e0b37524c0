// The composed pipeline on in-memory seams: the steps in their order (records-reconciler.integration.spec.ts
// runs the same against the API server).
import { ChaosKindRegistry } from "@faultline/impl-registry";
import { recordsFinalizer } from "./chaos-annotations.js";
import { createRecordsReconciler } from "./records-reconciler.js";
import { fixedSelector, InMemoryChaosObjects, InMemoryEventRecorder, testDeps, testKind, testObject, testResource } from "./testing/in-memory-seams.test-support.js";

const targets = (n: number) => Array.from({ length: n }, (_, i) => ({ recordId: `ns/pod-${i}`, selectorKey: "." }));
const request = { kind: "TestChaos", namespace: "ns", name: "a" };

function pipeline(kind = testKind(), selected = targets(3)) {
  const objects = new InMemoryChaosObjects();
  const events = new InMemoryEventRecorder();
  const reconciler = createRecordsReconciler({ kinds: new ChaosKindRegistry().register(kind.definition, testDeps()), objects, selector: fixedSelector(selected), events, backoff: { baseMs: 1000, maxMs: 60_000 } });
  return { objects, events, reconciler, stored: () => objects.stored(testResource, "ns", "a") };
}

describe("createRecordsReconciler (in memory)", () => {
  it("holds the finalizer, selects, marks, applies and writes the outcomes: two status writes for a wave", async () => {
    let markedAtFirstCall: boolean[] | undefined;
    const { objects, events, reconciler, stored } = pipeline(
      testKind({
        apply: async () => {
          markedAtFirstCall ??= (stored()?.status?.experiment?.containerRecords ?? []).map((r) => r.applying === true);
          return "Injected";
        },
      }),
    );
    objects.put(testResource, testObject("a"));
    expect(await reconciler.reconcile(request)).toEqual({});
    expect(markedAtFirstCall).toEqual([true, true, true]); // written before any daemon call
    expect(objects.writes.map((w) => w.method)).toEqual(["replace", "replaceStatus", "replaceStatus"]);
    const obj = stored()!;
    expect(obj.metadata.finalizers).toEqual([recordsFinalizer]);
    expect(obj.status?.experiment?.desiredPhase).toBe("Run");
    expect(obj.status?.experiment?.containerRecords?.map((r) => [r.phase, r.injectedCount, r.applying])).toEqual([
      ["Injected", 1, undefined],
      ["Injected", 1, undefined],
      ["Injected", 1, undefined],
    ]);
    expect(events.events.map((e) => e.reason)).toEqual(["FinalizerInited", "Started", "Selected", "Applied"]);
    expect(events.events[3]!.message).toMatch(/^Applied chaos to 3 records \(conditions .*AllInjected=True.*\): ns\/pod-0, ns\/pod-1, ns\/pod-2$/);
  });

  it("is level-based: a second reconcile of a settled object writes nothing and sends nothing", async () => {
    const { objects, events, reconciler } = pipeline();
    objects.put(testResource, testObject("a"));
    await reconciler.reconcile(request);
    const writes = objects.writes.length;
    const sent = events.events.length;
    expect(await reconciler.reconcile(request)).toEqual({});
    expect(objects.writes.length).toBe(writes);
    expect(events.events.length).toBe(sent);
  });

  it("retries a failed record after its backoff, without blocking the others", async () => {
    const kind = testKind({ apply: async (r) => (r.id === "ns/pod-1" ? Promise.reject(new Error("daemon unreachable")) : "Injected") });
    const { objects, events, reconciler, stored } = pipeline(kind);
    objects.put(testResource, testObject("a"));
    expect(await reconciler.reconcile(request)).toEqual({ requeueAfterMs: expect.any(Number) });
    expect((await reconciler.reconcile(request)).requeueAfterMs).toBeLessThanOrEqual(1000);
    expect(stored()!.status?.experiment?.containerRecords?.map((r) => r.phase)).toEqual(["Injected", "Not Injected", "Injected"]);
    expect(stored()!.status?.experiment?.containerRecords?.[1]?.applying).toBe(true); // a failed apply may hold part of its work
    expect(events.events.filter((e) => e.type === "Warning").map((e) => e.message)).toEqual(["Failed to apply chaos for ns/pod-1: daemon unreachable"]);
  });

  it("on deletion recovers every record, then lets the object go", async () => {
    const { objects, events, reconciler, stored } = pipeline();
    objects.put(testResource, testObject("a"));
    await reconciler.reconcile(request);
    objects.delete(testResource, "ns", "a");
    expect(await reconciler.reconcile(request)).toEqual({});
    expect(stored()).toBeUndefined();
    expect(events.events.slice(-3).map((e) => e.reason)).toEqual(["Deleted", "Recovered", "FinalizerRemoved"]);
  });

  it("answers when the duration ends, and selection failures are retried on a timer", async () => {
    const { objects, reconciler } = pipeline(testKind(), []);
    objects.put(testResource, testObject("a", { spec: { duration: "5s" } }));
    expect(await reconciler.reconcile(request)).toEqual({ requeueAfterMs: expect.any(Number) });
    const { requeueAfterMs } = await reconciler.reconcile(request);
    expect(requeueAfterMs).toBeGreaterThan(4000);
    expect(requeueAfterMs).toBeLessThanOrEqual(5000);
  });

  it("answers nothing for an object that does not exist", async () => {
    const { reconciler, objects } = pipeline();
    expect(await reconciler.reconcile(request)).toEqual({});
    expect(objects.writes).toEqual([]);
  });
});
