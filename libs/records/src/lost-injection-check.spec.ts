import { LostInjectionCheck } from "./lost-injection-check.js";
import { sentEvents, testKind, testObject, testRecord } from "./testing/in-memory-seams.test-support.js";

const ctx = { signal: new AbortController().signal, namespacedName: "ns/a" };
const records = [testRecord("p", { phase: "Injected" }), testRecord("q", { phase: "Injected" }), testRecord("r")];

describe("LostInjectionCheck", () => {
  it("asks the kind at most every interval, and answers Injected records not already due", async () => {
    let asked = 0;
    const kind = testKind({ lostInjections: async () => (asked++, [0, 1, 2, 7]) });
    const check = new LostInjectionCheck(10_000);
    const sent = sentEvents();
    const input = { kind, obj: testObject("a"), records, due: [1], running: true, ctx, send: sent.send };
    expect(await check.check({ ...input, now: 1000 })).toEqual({ reapply: new Set([0]), waitMs: 10_000 });
    expect(await check.check({ ...input, now: 4000 })).toEqual({ reapply: new Set(), waitMs: 7000 });
    expect(asked).toBe(1);
    expect(await check.check({ ...input, now: 11_000 })).toEqual({ reapply: new Set([0]), waitMs: 10_000 });
    expect(asked).toBe(2);
    expect(sent.events).toEqual([]);
  });

  it("forgets an object once it stops, so a new run is checked at once", async () => {
    let asked = 0;
    const kind = testKind({ lostInjections: async () => (asked++, []) });
    const check = new LostInjectionCheck(10_000);
    const input = { kind, obj: testObject("a"), records, due: [], ctx, send: sentEvents().send };
    await check.check({ ...input, running: true, now: 1000 });
    expect(await check.check({ ...input, running: false, now: 2000 })).toEqual({ reapply: new Set() });
    await check.check({ ...input, running: true, now: 3000 });
    expect(asked).toBe(2);
  });

  it("does not ask a kind without lostInjections, nor about an experiment with nothing Injected", async () => {
    let asked = 0;
    const check = new LostInjectionCheck(10_000);
    const base = { obj: testObject("a"), due: [], running: true, ctx, send: sentEvents().send, now: 1000 };
    expect(await check.check({ ...base, kind: testKind(), records })).toEqual({ reapply: new Set() });
    expect(await check.check({ ...base, kind: testKind({ lostInjections: async () => (asked++, [0]) }), records: [testRecord("r")] })).toEqual({ reapply: new Set() });
    expect(asked).toBe(0);
  });

  it("reports a failed check as a Warning and checks again after the interval", async () => {
    const kind = testKind({ lostInjections: async () => Promise.reject(new Error("daemon unreachable")) });
    const sent = sentEvents();
    const result = await new LostInjectionCheck(5000).check({ kind, obj: testObject("a"), records, due: [], running: true, ctx, send: sent.send, now: 1000 });
    expect(result).toEqual({ reapply: new Set(), waitMs: 5000 });
    expect(sent.events.map((e) => [e.type, e.message])).toEqual([["Warning", "Failed to check which records lost their injection: daemon unreachable"]]);
  });
});
