import { createStatusBatch } from "./status-batch.js";
import { defaultStatusCompaction } from "./status-compaction.js";
import { StatusWriteError } from "./status-writer.js";
import { InMemoryChaosObjects, sentEvents, testObject, testRecord, testResource } from "./testing/in-memory-seams.test-support.js";

describe("createStatusBatch", () => {
  it("writes what was staged in one write at commit", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = objects.put(testResource, testObject("a"));
    const batch = createStatusBatch(objects, testResource, obj, { compaction: defaultStatusCompaction, send: sentEvents().send });
    batch.stage((s) => void (s.experiment = { desiredPhase: "Run" }));
    batch.stage((s) => void (s.experiment!.containerRecords = [testRecord("p")]));
    expect(objects.writes).toEqual([]);
    await batch.commit();
    expect(objects.writes.map((w) => w.method)).toEqual(["replaceStatus"]);
    expect(objects.stored(testResource, "ns", "a")?.status?.experiment).toEqual({ desiredPhase: "Run", containerRecords: [testRecord("p")] });
  });

  it("throws a StatusWriteError naming the object when the write failed", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = objects.put(testResource, testObject("a"));
    objects.failNextWrites.push(new Error("etcd is down"));
    const batch = createStatusBatch(objects, testResource, obj, { compaction: defaultStatusCompaction, send: sentEvents().send });
    batch.stage((s) => void (s.experiment = { desiredPhase: "Run" }));
    const error = await batch.commit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StatusWriteError);
    expect((error as Error).message).toBe("1 status write(s) of ns/a failed: etcd is down");
  });

  it("warns StatusTooLarge when the status cannot fit even without record events", async () => {
    const objects = new InMemoryChaosObjects();
    const obj = objects.put(testResource, testObject("a"));
    const sent = sentEvents();
    const batch = createStatusBatch(objects, testResource, obj, { compaction: { ...defaultStatusCompaction, maxStatusBytes: 100 }, send: sent.send });
    batch.stage((s) => void (s.experiment = { containerRecords: Array.from({ length: 10 }, (_, i) => testRecord(`ns/pod-${i}`)) }));
    await batch.commit();
    expect(sent.reasons()).toContain("StatusTooLarge");
  });
});
