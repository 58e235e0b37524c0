import type { ChaosStatus, Record, RecordEvent } from "@faultline/api";
import { appendRecordEvent, fitStatus, statusBytes } from "./status-compaction.js";

const record = (id: string, events: number): Record => ({
  id,
  selectorKey: ".",
  phase: "Injected",
  injectedCount: events,
  recoveredCount: 0,
  events: Array.from({ length: events }, (_, i): RecordEvent => ({
    type: "Failed",
    operation: "Apply",
    message: `attempt ${i}`,
    timestamp: "2025-01-01T00:00:00Z",
  })),
});

describe("appendRecordEvent", () => {
  it("keeps the latest N events", () => {
    const r = record("a/b", 0);
    const compaction = { maxEventsPerRecord: 3, maxMessageLength: 100, maxStatusBytes: 1e6, recordsPerShard: 1000 };
    for (let i = 0; i < 5; i++) appendRecordEvent(r, { type: "Failed", operation: "Apply", message: `m${i}`, timestamp: "t" }, compaction);
    expect(r.events!.map((e) => e.message)).toEqual(["m2", "m3", "m4"]);
  });

  it("truncates long messages and says so", () => {
    const r = record("a/b", 0);
    appendRecordEvent(r, { type: "Failed", operation: "Apply", message: "x".repeat(1000), timestamp: "t" }, {
      maxEventsPerRecord: 1,
      maxMessageLength: 60,
      maxStatusBytes: 1e6,
      recordsPerShard: 1000,
    });
    const message = r.events![0]!.message!;
    expect(message.length).toBeLessThanOrEqual(60);
    // the number said is the number cut
    const [, kept, cut] = /^(x*)… \((\d+) more characters\)$/.exec(message)!;
    expect(kept!.length + Number(cut)).toBe(1000);
  });
});

describe("fitStatus", () => {
  const status = (records: number, events: number): ChaosStatus => ({
    experiment: { desiredPhase: "Run", containerRecords: Array.from({ length: records }, (_, i) => record(`ns/pod-${i}/c`, events)) },
  });

  it("leaves a small status alone", () => {
    const s = status(3, 5);
    expect(fitStatus(s)).toEqual({ fits: true, eventsKept: 10 });
    expect(s.experiment!.containerRecords![0]!.events).toHaveLength(5);
  });

  it("halves every record's events until the status fits, keeping the newest", () => {
    const s = status(200, 10);
    const limit = statusBytes(status(200, 3));
    expect(fitStatus(s, { maxEventsPerRecord: 10, maxMessageLength: 512, maxStatusBytes: limit, recordsPerShard: 1000 })).toEqual({ fits: true, eventsKept: 2 });
    expect(s.experiment!.containerRecords![7]!.events!.map((e) => e.message)).toEqual(["attempt 8", "attempt 9"]);
    expect(statusBytes(s)).toBeLessThanOrEqual(limit);
  });

  it("drops all events before giving up, and never drops a record", () => {
    const s = status(50, 4);
    const limit = 1000; // far below 50 records without events
    expect(fitStatus(s, { maxEventsPerRecord: 4, maxMessageLength: 512, maxStatusBytes: limit, recordsPerShard: 1000 })).toEqual({ fits: false, eventsKept: 0 });
    expect(s.experiment!.containerRecords).toHaveLength(50);
    expect(s.experiment!.containerRecords![0]!.events).toBeUndefined();
  });
});
