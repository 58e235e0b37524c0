import { pauseAnnotation } from "@faultline/api";
import { childrenOf, childrenSelector, nextRuns, summarizeSchedule, type ChildLike, type ScheduleView } from "./schedule-view.js";

describe("nextRuns (the Schedule controller's cron evaluation)", () => {
  const from = new Date("2026-12-06T21:17:30Z");

  it("five fields: minute 5 of every hour", () => {
    const next = nextRuns("5 * * * *", from, 3);
    expect(next).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T22:05:00Z"), new Date("2026-12-06T23:05:00Z"), new Date("2026-12-07T00:05:00Z")] });
  });

  it("six fields (seconds first), descriptors and @every", () => {
    expect(nextRuns("*/20 * * * * *", from, 2)).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T21:17:40Z"), new Date("2026-12-06T21:18:00Z")] });
    expect(nextRuns("@daily", from, 1)).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-07T00:00:00Z")] });
    expect(nextRuns("@every 2m", from, 2)).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T21:19:30Z"), new Date("2026-12-06T21:21:30Z")] });
  });

  it("a CRON_TZ prefix reads the fields in that zone", () => {
    // 03:00 in Berlin in December (CET, UTC+1) is 02:00 UTC
    expect(nextRuns("CRON_TZ=Europe/Berlin 0 3 * * *", from, 1)).toEqual({ ok: true, timeZone: "Europe/Berlin", runs: [new Date("2026-12-07T02:00:00Z")] });
  });

  it("says why a schedule cannot be read, in the controller's words", () => {
    expect(nextRuns("0 0 13 *", from, 1)).toEqual({ ok: false, error: "parse schedule field error: expected 5 to 6 fields, found 4: [0 0 13 *]" });
    expect(nextRuns("0 0 1 13 *", from, 1)).toEqual({ ok: false, error: "parse schedule field error: end of range (13) above maximum (12): 13" });
  });

  it("a schedule with no future run gives none", () => {
    expect(nextRuns("0 0 30 2 *", from, 2)).toEqual({ ok: true, timeZone: "UTC", runs: [] });
  });
});

const schedule: ScheduleView = {
  metadata: { name: "nightly-kill", namespace: "shop", uid: "s-uid" },
  spec: { schedule: "@hourly", type: "PodChaos", historyLimit: 5 },
  status: { time: "2026-12-06T21:00:00Z", nextTime: "2026-12-06T22:00:00Z", active: [{ name: "nightly-kill-1796590800" }] },
};

describe("summarizeSchedule", () => {
  it("last run from status.time, next runs computed, Forbid by default", () => {
    const s = summarizeSchedule(schedule, new Date("2026-12-06T21:17:30Z"), 2);
    expect(s).toEqual({
      name: "nightly-kill",
      namespace: "shop",
      cron: "@hourly",
      type: "PodChaos",
      paused: false,
      lastRun: "2026-12-06T21:00:00Z",
      next: { ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T22:00:00Z"), new Date("2026-12-06T23:00:00Z")] },
      controllerNext: "2026-12-06T22:00:00Z",
      concurrencyPolicy: "Forbid",
      concurrencyDefaulted: true,
      historyLimit: 5,
      active: ["nightly-kill-1796590800"],
    });
  });

  it("counts the next run from the last run, as the controller does (@every after the last run, not after now)", () => {
    const every = { ...schedule, spec: { ...schedule.spec, schedule: "@every 5s" }, status: { time: "2026-12-06T21:30:20Z" } };
    const s = summarizeSchedule(every, new Date("2026-12-06T21:30:22Z"), 2);
    expect(s.next).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T21:30:25Z"), new Date("2026-12-06T21:30:30Z")] });
    expect(s.due).toBeUndefined();
  });

  it("a run due and not started (missed, or held by Forbid) is said, and the next ones count from now", () => {
    const late = { ...schedule, status: { time: "2026-12-06T20:00:00Z" } };
    const s = summarizeSchedule(late, new Date("2026-12-06T21:17:30Z"), 1);
    expect(s.due).toBe("2026-12-06T21:00:00.000Z");
    expect(s.next).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T22:00:00Z")] });
    // a slot a few seconds past is the controller's reaction time, not a due run
    const justNow = summarizeSchedule({ ...schedule, spec: { ...schedule.spec, schedule: "@every 5s" }, status: { time: "2026-12-06T21:30:20Z" } }, new Date("2026-12-06T21:30:27Z"), 1);
    expect(justNow.due).toBeUndefined();
    expect(justNow.next).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T21:30:32Z")] });
    // never run: counted from the Schedule's creation
    const fresh = { ...schedule, metadata: { ...schedule.metadata, creationTimestamp: "2026-12-06T21:10:00Z" }, status: {} };
    expect(summarizeSchedule(fresh, new Date("2026-12-06T21:17:30Z"), 1).next).toEqual({ ok: true, timeZone: "UTC", runs: [new Date("2026-12-06T22:00:00Z")] });
  });

  it("a paused schedule has no next run; Ready=False is its problem", () => {
    const s = summarizeSchedule(
      { ...schedule, metadata: { ...schedule.metadata, annotations: { [pauseAnnotation]: "true" } }, spec: { ...schedule.spec, concurrencyPolicy: "Allow" }, status: { conditions: [{ type: "Ready", status: "False", reason: "InvalidSchedule", message: "parse schedule field error: x" }] } },
      new Date(),
    );
    expect(s.paused).toBe(true);
    expect(s.next).toEqual({ ok: true, timeZone: "UTC", runs: [] });
    expect(s.concurrencyPolicy).toBe("Allow");
    expect(s.concurrencyDefaulted).toBe(false);
    expect(s.problem).toBe("InvalidSchedule: parse schedule field error: x");
    expect(s.lastRun).toBeUndefined();
  });
});

describe("childrenOf", () => {
  const child = (name: string, created: string, owner?: { kind: string; name: string; uid: string }): ChildLike => ({ metadata: { name, creationTimestamp: created, ...(owner ? { ownerReferences: [owner] } : {}) } });

  it("takes the objects the Schedule owns, by uid, newest first", () => {
    const objects = [
      child("nightly-kill-1", "2026-12-06T20:00:00Z", { kind: "Schedule", name: "nightly-kill", uid: "s-uid" }),
      child("nightly-kill-2", "2026-12-06T21:00:00Z", { kind: "Schedule", name: "nightly-kill", uid: "s-uid" }),
      // same name, an older Schedule of that name (deleted and created again): not this one's
      child("nightly-kill-0", "2026-12-05T21:00:00Z", { kind: "Schedule", name: "nightly-kill", uid: "old-uid" }),
      child("hand-made", "2026-12-06T21:00:00Z"),
      child("wf-child", "2026-12-06T21:00:00Z", { kind: "Workflow", name: "nightly-kill", uid: "s-uid" }),
    ];
    expect(childrenOf(schedule, objects).map((c) => c.metadata.name)).toEqual(["nightly-kill-2", "nightly-kill-1"]);
  });

  it("narrows the list by the managed-by label when the name fits a label value", () => {
    expect(childrenSelector("nightly-kill")).toBe("managed-by=nightly-kill");
    expect(childrenSelector("x".repeat(64))).toBeUndefined();
  });
});
