import { computeDesiredPhase, isPaused } from "./desired-phase.js";

const created = "2025-01-01T00:00:00Z";
const t0 = Date.parse(created);
const base = { metadata: { creationTimestamp: created }, oneShot: false, duration: undefined, now: t0 + 1000 };
const paused = { annotations: { "experiment.chaos-mesh.org/pause": "true" } };

describe("computeDesiredPhase", () => {
  it("runs by default", () => {
    expect(computeDesiredPhase(base)).toEqual({ phase: "Run", cause: "Running" });
  });

  it("stops everything while the kill switch is engaged, one-shots included; deletion still says Deleted", () => {
    const killSwitch = { engaged: true, reason: "incident 4711" };
    expect(computeDesiredPhase({ ...base, killSwitch })).toEqual({ phase: "Stop", cause: "KillSwitch" });
    expect(computeDesiredPhase({ ...base, oneShot: true, killSwitch })).toEqual({ phase: "Stop", cause: "KillSwitch" });
    expect(computeDesiredPhase({ ...base, metadata: { ...base.metadata, deletionTimestamp: created }, killSwitch })).toEqual({ phase: "Stop", cause: "Deleted" });
  });

  it("resumes by the usual rules once the kill switch is off: a duration that ran out meanwhile stays stopped", () => {
    const off = { engaged: false };
    expect(computeDesiredPhase({ ...base, duration: "30s", now: t0 + 10_000, killSwitch: off })).toEqual({ phase: "Run", cause: "Running", stopsAtMs: t0 + 30_000 });
    expect(computeDesiredPhase({ ...base, duration: "30s", now: t0 + 31_000, killSwitch: off })).toEqual({ phase: "Stop", cause: "TimeUp" });
  });

  it("stops an object with the plan annotation, one-shots included, behind deletion and the kill switch", () => {
    const plan = { ...base.metadata, annotations: { "faultline.chaos-mesh.org/plan": "true" } };
    expect(computeDesiredPhase({ ...base, metadata: plan })).toEqual({ phase: "Stop", cause: "PlanOnly" });
    expect(computeDesiredPhase({ ...base, metadata: plan, oneShot: true })).toEqual({ phase: "Stop", cause: "PlanOnly" });
    expect(computeDesiredPhase({ ...base, metadata: plan, killSwitch: { engaged: true } })).toEqual({ phase: "Stop", cause: "KillSwitch" });
    expect(computeDesiredPhase({ ...base, metadata: { ...plan, deletionTimestamp: created } })).toEqual({ phase: "Stop", cause: "Deleted" });
    expect(computeDesiredPhase({ ...base, metadata: { ...base.metadata, annotations: { "faultline.chaos-mesh.org/plan": "false" } } })).toEqual({ phase: "Run", cause: "Running" });
  });

  it("stops a deleted object, whatever else holds", () => {
    const metadata = { ...base.metadata, ...paused, deletionTimestamp: created };
    expect(computeDesiredPhase({ ...base, metadata, oneShot: true })).toEqual({ phase: "Stop", cause: "Deleted" });
  });

  it("keeps a one-shot kind running, ignoring duration and pause", () => {
    const metadata = { ...base.metadata, ...paused };
    expect(computeDesiredPhase({ ...base, metadata, oneShot: true, duration: "1s", now: t0 + 60_000 })).toEqual({
      phase: "Run",
      cause: "OneShot",
    });
  });

  it("stops once creationTimestamp + duration has passed", () => {
    expect(computeDesiredPhase({ ...base, duration: "30s", now: t0 + 30_000 })).toEqual({ phase: "Stop", cause: "TimeUp" });
  });

  it("runs before the duration passes, and says when it will stop", () => {
    expect(computeDesiredPhase({ ...base, duration: "30s", now: t0 + 29_999 })).toEqual({
      phase: "Run",
      cause: "Running",
      stopsAtMs: t0 + 30_000,
    });
  });

  it("stops a paused object, still saying when its time is up", () => {
    const metadata = { ...base.metadata, ...paused };
    expect(computeDesiredPhase({ ...base, metadata })).toEqual({ phase: "Stop", cause: "Paused" });
    expect(computeDesiredPhase({ ...base, metadata, duration: "1m" })).toMatchObject({ cause: "Paused", stopsAtMs: t0 + 60_000 });
  });

  it("prefers TimeUp over Paused", () => {
    const metadata = { ...base.metadata, ...paused };
    expect(computeDesiredPhase({ ...base, metadata, duration: "1s", now: t0 + 5000 }).cause).toBe("TimeUp");
  });

  it("only a pause annotation of exactly \"true\" pauses", () => {
    expect(isPaused({ annotations: { "experiment.chaos-mesh.org/pause": "false" } })).toBe(false);
    expect(isPaused({})).toBe(false);
  });
});
