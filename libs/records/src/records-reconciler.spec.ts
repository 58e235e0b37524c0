// The composed pipeline on in-memory seams: the steps in their order (records-reconciler.integration.spec.ts
// runs the same against the API server).
import type { KillSwitchState } from "@faultline/api";
import { ChaosKindRegistry } from "@faultline/impl-registry";
import { recordsFinalizer } from "./chaos-annotations.js";
import { createRecordsReconciler } from "./records-reconciler.js";
import { fixedSelector, InMemoryChaosObjects, InMemoryEventRecorder, testDeps, testKind, testObject, testResource } from "./testing/in-memory-seams.test-support.js";

const targets = (n: number) => Array.from({ length: n }, (_, i) => ({ recordId: `ns/pod-${i}`, selectorKey: "." }));
const request = { kind: "TestChaos", namespace: "ns", name: "a" };

function pipeline(kind = testKind(), selected = targets(3), killSwitch?: () => KillSwitchState) {
  const objects = new InMemoryChaosObjects();
  const events = new InMemoryEventRecorder();
  const reconciler = createRecordsReconciler({
    kinds: new ChaosKindRegistry().register(kind.definition, testDeps()),
    objects,
    selector: fixedSelector(selected),
    events,
    backoff: { baseMs: 1000, maxMs: 60_000 },
    ...(killSwitch && { killSwitch }),
  });
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

  it("recovers every record while the kill switch is engaged, says why in Paused, and resumes once it is off", async () => {
    let killSwitch: KillSwitchState = { engaged: false };
    const kind = testKind();
    const { objects, events, reconciler, stored } = pipeline(kind, targets(3), () => killSwitch);
    objects.put(testResource, testObject("a", { spec: { duration: "1h" } }));
    await reconciler.reconcile(request);
    killSwitch = { engaged: true, reason: "incident 4711" };
    await reconciler.reconcile(request);
    expect(stored()!.status?.experiment?.desiredPhase).toBe("Stop");
    expect(stored()!.status?.experiment?.containerRecords?.map((r) => r.phase)).toEqual(["Not Injected", "Not Injected", "Not Injected"]);
    expect(stored()!.status?.conditions?.find((c) => c.type === "Paused")).toEqual({
      type: "Paused",
      status: "True",
      reason: "KillSwitch",
      message: "the kill switch (killswitch/cluster) is engaged: incident 4711",
    });
    expect(events.events.map((e) => e.reason)).toContain("KillSwitch");
    killSwitch = { engaged: false };
    await reconciler.reconcile(request);
    expect(stored()!.status?.experiment?.containerRecords?.map((r) => r.phase)).toEqual(["Injected", "Injected", "Injected"]);
    expect(stored()!.status?.conditions?.find((c) => c.type === "Paused")?.status).toBe("False");
    expect(kind.calls.map((c) => c.operation).join(",")).toBe("apply,apply,apply,recover,recover,recover,apply,apply,apply");
  });

  it("writes the kill switch's Paused condition on an object already stopped, and takes it off again", async () => {
    let killSwitch: KillSwitchState = { engaged: false };
    const { objects, reconciler, stored } = pipeline(testKind(), targets(1), () => killSwitch);
    objects.put(testResource, testObject("a", { metadata: { annotations: { "experiment.chaos-mesh.org/pause": "true" } } }));
    await reconciler.reconcile(request);
    expect(stored()!.status?.conditions?.find((c) => c.type === "Paused")?.reason).toBe("Paused");
    killSwitch = { engaged: true };
    await reconciler.reconcile(request);
    expect(stored()!.status?.conditions?.find((c) => c.type === "Paused")?.reason).toBe("KillSwitch");
    killSwitch = { engaged: false };
    await reconciler.reconcile(request);
    expect(stored()!.status?.conditions?.find((c) => c.type === "Paused")?.reason).toBe("Paused");
  });

  it("starts nothing of a one-shot while engaged, and neither undoes nor repeats what it already did", async () => {
    let killSwitch: KillSwitchState = { engaged: true };
    const kind = testKind({ oneShot: true });
    const { objects, reconciler, stored } = pipeline(kind, targets(2), () => killSwitch);
    objects.put(testResource, testObject("a"));
    await reconciler.reconcile(request);
    expect(kind.calls).toEqual([]);
    expect(stored()!.status?.experiment?.containerRecords).toBeUndefined(); // not even selected
    killSwitch = { engaged: false };
    await reconciler.reconcile(request);
    killSwitch = { engaged: true };
    await reconciler.reconcile(request);
    killSwitch = { engaged: false };
    await reconciler.reconcile(request);
    expect(kind.calls.map((c) => c.operation)).toEqual(["apply", "apply"]);
    expect(stored()!.status?.experiment?.containerRecords?.map((r) => r.phase)).toEqual(["Injected", "Injected"]);
  });

  it("answers nothing for an object that does not exist", async () => {
    const { reconciler, objects } = pipeline();
    expect(await reconciler.reconcile(request)).toEqual({});
    expect(objects.writes).toEqual([]);
  });
});
