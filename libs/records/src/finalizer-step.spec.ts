import { cleanFinalizerAnnotation, recordsFinalizer } from "./chaos-annotations.js";
import { holdFinalizer, releaseFinalizerWhenRecovered } from "./finalizer-step.js";
import { InMemoryChaosObjects, sentEvents, testObject, testRecord, testResource } from "./testing/in-memory-seams.test-support.js";

describe("holdFinalizer", () => {
  it("adds the records finalizer before anything else, with a FinalizerInited Event", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = objects.put(testResource, testObject("a"));
    const { send, reasons } = sentEvents();
    const held = await holdFinalizer(objects, testResource, obj, send);
    expect(held?.metadata.finalizers).toEqual([recordsFinalizer]);
    expect(objects.stored(testResource, "ns", "a")?.metadata.finalizers).toEqual([recordsFinalizer]);
    expect(reasons()).toEqual(["FinalizerInited"]);
  });

  it("writes nothing when the finalizer is there", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = objects.put(testResource, testObject("a", { metadata: { finalizers: [recordsFinalizer] } }));
    const { send, events } = sentEvents();
    expect(await holdFinalizer(objects, testResource, obj, send)).toBe(obj);
    expect(objects.writes).toEqual([]);
    expect(events).toEqual([]);
  });

  it("ends the reconcile for a deleted object without the finalizer (not ours to hold)", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = objects.put(testResource, testObject("a", { metadata: { finalizers: ["other"], deletionTimestamp: new Date().toISOString() } }));
    const { send, events } = sentEvents();
    expect(await holdFinalizer(objects, testResource, obj, send)).toBeUndefined();
    expect(objects.writes).toEqual([]);
    expect(events).toEqual([]);
  });

  it("removes the finalizer at once, without recovering, when deletion is forced", async () => {
    const objects = new InMemoryChaosObjects();
    objects.put(testResource, testObject("a", { metadata: { finalizers: [recordsFinalizer], annotations: { [cleanFinalizerAnnotation]: "forced" } }, status: { experiment: { containerRecords: [testRecord("ns/p", { phase: "Injected" })] } } }));
    objects.delete(testResource, "ns", "a");
    const { send, events } = sentEvents();
    expect(await holdFinalizer(objects, testResource, (await objects.get(testResource, "ns", "a"))!, send)).toBeUndefined();
    expect(objects.stored(testResource, "ns", "a")).toBeUndefined(); // the API server let it go
    expect(events.map((e) => e.message)).toEqual([`Finalizer removed without recovering (${cleanFinalizerAnnotation}: forced)`]);
  });

  it("retries on a conflict against the object as it is now", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = objects.put(testResource, testObject("a"));
    objects.conflicts = 1;
    const held = await holdFinalizer(objects, testResource, obj, sentEvents().send);
    expect(held?.metadata.finalizers).toEqual([recordsFinalizer]);
  });

  it("ends the reconcile when the object is gone before the finalizer is written", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = testObject("a");
    const { send, events } = sentEvents();
    expect(await holdFinalizer(objects, testResource, obj, send)).toBeUndefined();
    expect(events).toEqual([]);
  });
});

describe("releaseFinalizerWhenRecovered", () => {
  const deleted = (records: ReturnType<typeof testRecord>[]) => {
    const objects = new InMemoryChaosObjects();
    objects.put(testResource, testObject("a", { metadata: { finalizers: [recordsFinalizer] }, status: { experiment: { containerRecords: records } } }));
    objects.delete(testResource, "ns", "a");
    return objects;
  };

  it("removes the finalizer once every record is Not Injected and none is marked applying", async () => {
    const objects = deleted([testRecord("ns/p"), testRecord("ns/q")]);
    const { send, events } = sentEvents();
    expect(await releaseFinalizerWhenRecovered(objects, testResource, (await objects.get(testResource, "ns", "a"))!, send)).toBe(true);
    expect(objects.stored(testResource, "ns", "a")).toBeUndefined();
    expect(events.map((e) => e.message)).toEqual([`Every record is recovered; finalizer ${recordsFinalizer} removed`]);
  });

  it.each([
    ["a record still Injected", [testRecord("ns/p"), testRecord("ns/q", { phase: "Injected" })]],
    ["a record marked applying", [testRecord("ns/p", { applying: true })]],
  ])("keeps it while %s", async (_what, records) => {
    const objects = deleted(records);
    const { send, events } = sentEvents();
    expect(await releaseFinalizerWhenRecovered(objects, testResource, (await objects.get(testResource, "ns", "a"))!, send)).toBe(false);
    expect(objects.stored(testResource, "ns", "a")?.metadata.finalizers).toEqual([recordsFinalizer]);
    expect(events).toEqual([]);
  });
});
