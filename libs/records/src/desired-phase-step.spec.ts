import { pauseAnnotation } from "@faultline/api";
import { desiredPhaseStep } from "./desired-phase-step.js";
import type { StatusMutation } from "./status-writer.js";
import { sentEvents, testKind, testObject } from "./testing/in-memory-seams.test-support.js";

function run(obj: ReturnType<typeof testObject>, kind = testKind(), now = Date.now()) {
  const staged: StatusMutation[] = [];
  const sent = sentEvents();
  const decision = desiredPhaseStep(kind, obj, now, (m) => staged.push(m), sent.send);
  const status = structuredClone(obj.status ?? {});
  for (const m of staged) m(status, obj);
  return { decision, status, events: sent.events };
}

describe("desiredPhaseStep", () => {
  it("stages a new desired phase and announces it with the rule's Event", () => {
    const { decision, status, events } = run(testObject("a"));
    expect(decision).toEqual({ phase: "Run", cause: "Running" });
    expect(status.experiment?.desiredPhase).toBe("Run");
    expect(events.map((e) => [e.type, e.reason, e.message])).toEqual([["Normal", "Started", "Experiment is running (desired phase Run)"]]);
  });

  it("stages nothing and sends nothing when the status already holds it", () => {
    const { status, events } = run(testObject("a", { status: { experiment: { desiredPhase: "Run" } } }));
    expect(status).toEqual({ experiment: { desiredPhase: "Run" } });
    expect(events).toEqual([]);
  });

  it.each([
    ["Paused", testObject("a", { metadata: { annotations: { [pauseAnnotation]: "true" } }, status: { experiment: { desiredPhase: "Run" } } }), "Experiment is paused; recovering every record (desired phase Stop)"],
    ["TimeUp", testObject("a", { metadata: { creationTimestamp: new Date(Date.now() - 60_000).toISOString() }, spec: { duration: "30s" } }), "Duration has passed; recovering every record (desired phase Stop)"],
    ["Deleted", testObject("a", { metadata: { deletionTimestamp: new Date().toISOString() } }), "Experiment is being deleted; recovering every record (desired phase Stop)"],
  ])("turns to Stop with the Event %s", (reason, obj, message) => {
    const { decision, status, events } = run(obj);
    expect(decision.phase).toBe("Stop");
    expect(status.experiment?.desiredPhase).toBe("Stop");
    expect(events.map((e) => [e.reason, e.message])).toEqual([[reason, message]]);
  });

  it("uses the kind's one-shot rule and answers when a duration ends", () => {
    const created = Date.parse("2026-01-01T00:00:00Z");
    const withDuration = testObject("a", { metadata: { creationTimestamp: new Date(created).toISOString() }, spec: { duration: "1m" } });
    expect(run(withDuration, testKind(), created + 10_000).decision).toEqual({ phase: "Run", cause: "Running", stopsAtMs: created + 60_000 });
    expect(run(withDuration, testKind({ oneShot: true }), created + 120_000).decision).toEqual({ phase: "Run", cause: "OneShot" });
  });
});
