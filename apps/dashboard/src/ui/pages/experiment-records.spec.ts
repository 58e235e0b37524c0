import type { Record, RecordEvent } from "@faultline/api";
import { formatDuration, nodeIndex, podOfRecordId, recordNamespaces, recordState, recordsByNode, tickLabel, timeTicks, timelineOf } from "./experiment-records.js";

const t0 = Date.parse("2026-01-01T12:00:00Z");
const at = (s: number) => new Date(t0 + s * 1000).toISOString();
const ev = (s: number, operation: RecordEvent["operation"], type: RecordEvent["type"] = "Succeeded", message?: string): RecordEvent => ({ timestamp: at(s), operation, type, ...(message ? { message } : {}) });
const rec = (id: string, phase: Record["phase"], events: RecordEvent[] = [], extra: Partial<Record> = {}): Record => ({ id, selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0, events, ...extra });

describe("records per node", () => {
  const pods = [
    { metadata: { name: "web-1", namespace: "shop" }, spec: { nodeName: "node-b" } },
    { metadata: { name: "web-2", namespace: "shop" }, spec: { nodeName: "node-a" } },
    { metadata: { name: "pending", namespace: "shop" }, spec: {} },
  ];
  const nodes = nodeIndex(pods);

  it("groups records by the node of their pod (containers of one pod together), the unknown node last", () => {
    const groups = recordsByNode(
      [rec("shop/web-1/app", "Injected"), rec("shop/web-1/sidecar", "Not Injected"), rec("shop/web-2", "Injected/Wait"), rec("shop/pending", "Not Injected"), rec("shop/gone", "Injected")],
      (pod) => nodes.get(pod),
    );
    expect(groups.map((g) => [g.node, g.injected, g.cells.map((c) => c.id)])).toEqual([
      ["node-a", 1, ["shop/web-2"]],
      ["node-b", 1, ["shop/web-1/app", "shop/web-1/sidecar"]],
      ["", 1, ["shop/gone", "shop/pending"]],
    ]);
    expect(groups[1]!.cells[0]).toMatchObject({ pod: "shop/web-1", container: "app", state: "Injected" });
  });

  it("podOfRecordId and recordNamespaces", () => {
    expect(podOfRecordId("a/b/c")).toBe("a/b");
    expect(podOfRecordId("a/b")).toBe("a/b");
    expect(recordNamespaces([rec("b/x", "Injected"), rec("a/y/c", "Injected"), rec("b/z", "Injected")])).toEqual(["a", "b"]);
  });

  it("recordState: a failed last attempt and applying show over the phase", () => {
    expect(recordState(rec("a/b", "Injected", [ev(0, "Apply")]))).toBe("Injected");
    expect(recordState(rec("a/b", "Not Injected", [ev(0, "Apply", "Failed")]))).toBe("Apply failed");
    expect(recordState(rec("a/b", "Injected", [ev(0, "Apply"), ev(5, "Recover", "Failed")]))).toBe("Recover failed");
    expect(recordState(rec("a/b", "Not Injected", [], { applying: true }))).toBe("Applying");
    expect(recordState(rec("a/b", "Not Injected"))).toBe("Not injected");
  });
});

describe("timelineOf", () => {
  const now = t0 + 100_000;

  it("a bar from each successful Apply to the following Recover; open to now while injected", () => {
    const timeline = timelineOf([rec("s/a", "Injected", [ev(0, "Apply"), ev(30, "Recover"), ev(50, "Apply")])], now);
    expect(timeline.rows[0]!.intervals).toEqual([
      { start: t0, end: t0 + 30_000, open: false },
      { start: t0 + 50_000, end: now, open: true },
    ]);
    expect(timeline.start).toBe(t0);
    expect(timeline.end).toBe(now);
  });

  it("events in any order; a repeated Apply while injected starts no second bar; failures are marks", () => {
    const timeline = timelineOf([rec("s/a", "Not Injected", [ev(40, "Recover"), ev(10, "Apply"), ev(5, "Apply", "Failed", "no such container"), ev(20, "Apply"), ev(35, "Recover", "Failed")])], now);
    const row = timeline.rows[0]!;
    expect(row.intervals).toEqual([{ start: t0 + 10_000, end: t0 + 40_000, open: false }]);
    expect(row.failures).toEqual([
      { at: t0 + 5000, operation: "Apply", message: "no such container" },
      { at: t0 + 35_000, operation: "Recover" },
    ]);
  });

  it("an Apply without a Recover on a record no longer injected ends at its last event, not now", () => {
    const row = timelineOf([rec("s/a", "Not Injected", [ev(10, "Apply"), ev(20, "Apply", "Failed")])], now).rows[0]!;
    expect(row.intervals).toEqual([{ start: t0 + 10_000, end: t0 + 20_000, open: false }]);
  });

  it("a Recover with no Apply before it (its events were trimmed) draws nothing; no events: no bars", () => {
    const timeline = timelineOf([rec("s/b", "Not Injected", [ev(10, "Recover")]), rec("s/a", "Not Injected")], now, t0 - 60_000);
    expect(timeline.rows.map((r) => [r.id, r.intervals.length])).toEqual([
      ["s/a", 0],
      ["s/b", 0],
    ]);
    expect(timeline.start).toBe(t0 - 60_000);
  });

  it("no records at all: the last minute", () => {
    expect(timelineOf([], now)).toEqual({ rows: [], start: now - 60_000, end: now });
  });
});

describe("axis", () => {
  it("round ticks within the span, at most about eight", () => {
    expect(timeTicks(t0 + 1500, t0 + 61_000)).toEqual([10, 20, 30, 40, 50, 60].map((s) => t0 + s * 1000));
    const hour = timeTicks(t0, t0 + 3_600_000);
    expect(hour.length).toBeLessThanOrEqual(8);
    expect(hour[1]! - hour[0]!).toBe(600_000);
  });
  it("labels: the time of day, with the date beyond a day", () => {
    expect(tickLabel(t0, t0, t0 + 60_000)).toBe("12:00:00");
    expect(tickLabel(t0, t0, t0 + 3 * 86_400_000)).toBe("01-01 12:00");
  });
  it("formatDuration", () => {
    expect([45_000, 200_000, 7_500_000, 90_000_000].map(formatDuration)).toEqual(["45s", "3m 20s", "2h 5m", "1d 1h"]);
  });
});
