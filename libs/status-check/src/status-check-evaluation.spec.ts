import {
  evaluateStatusCheck,
  isStatusCheckCompleted,
  nextStatusCheckStep,
  resolveStatusCheckSpec,
  thresholdExceeded,
  withEvaluatedConditions,
  withProbeRecord,
} from "./status-check-evaluation.js";
import type { StatusCheckOutcome, StatusCheckRecord, StatusCheckStatus } from "./status-check.js";

const t0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (seconds: number) => new Date(t0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString();
/** Records one per 10 s from t0 + 10 s, with the given outcomes ("S" / "F"). */
const records = (outcomes: string): StatusCheckRecord[] =>
  [...outcomes].map((o, i) => ({ startTime: iso(10 * (i + 1)), outcome: (o === "S" ? "Success" : "Failure") as StatusCheckOutcome }));
const statusOf = (outcomes: string, extra: StatusCheckStatus = {}): StatusCheckStatus => ({ startTime: iso(0), records: records(outcomes), count: outcomes.length, ...extra });
const condition = (status: StatusCheckStatus, type: string) => status.conditions?.find((c) => c.type === type);

describe("resolveStatusCheckSpec", () => {
  it("fills in Chaos Mesh's defaults", () => {
    expect(resolveStatusCheckSpec({})).toEqual({
      mode: "Synchronous",
      timeoutMs: 1000,
      intervalMs: 10_000,
      failureThreshold: 3,
      successThreshold: 1,
      recordsHistoryLimit: 100,
    });
  });

  it("reads the duration as a Go duration", () => {
    expect(resolveStatusCheckSpec({ mode: "Continuous", duration: "1m30s", intervalSeconds: 2 })).toMatchObject({ mode: "Continuous", durationMs: 90_000, intervalMs: 2000 });
  });
});

describe("thresholdExceeded", () => {
  it.each([
    ["FFF", "Failure", 3, true],
    ["SFFF", "Failure", 3, true],
    ["FFSFF", "Failure", 3, false],
    ["FF", "Failure", 3, false],
    ["", "Failure", 1, false],
    ["FFS", "Success", 1, true],
    ["SSF", "Success", 1, false],
    ["SSS", "Success", 2, true],
  ] as const)("%s, %s ×%i: %s", (outcomes, outcome, threshold, expected) => {
    expect(thresholdExceeded(records(outcomes), outcome, threshold)).toBe(expected);
  });
});

describe("evaluateStatusCheck", () => {
  const sync = resolveStatusCheckSpec({ mode: "Synchronous", failureThreshold: 3, successThreshold: 2 });
  const continuous = resolveStatusCheckSpec({ mode: "Continuous", failureThreshold: 3, successThreshold: 2, duration: "60s" });

  it("lists all four conditions, False while nothing is reached", () => {
    const { conditions, completedReason, crossed } = evaluateStatusCheck(sync, statusOf("FS"), at(25));
    expect(conditions.map((c) => [c.type, c.status])).toEqual([
      ["Completed", "False"],
      ["DurationExceed", "False"],
      ["FailureThresholdExceed", "False"],
      ["SuccessThresholdExceed", "False"],
    ]);
    expect(completedReason).toBeUndefined();
    expect(crossed).toEqual([]);
  });

  it("Synchronous: the success threshold completes the check", () => {
    const evaluation = evaluateStatusCheck(sync, statusOf("FSS"), at(35));
    expect(evaluation.completedReason).toBe("StatusCheckSuccessThresholdExceed");
    expect(evaluation.crossed).toEqual(["Completed", "SuccessThresholdExceed"]);
    expect(evaluation.conditions[0]).toMatchObject({ type: "Completed", status: "True", reason: "StatusCheckSuccessThresholdExceed" });
  });

  it("the failure threshold completes the check in either mode", () => {
    expect(evaluateStatusCheck(sync, statusOf("SFFF"), at(45)).completedReason).toBe("StatusCheckFailureThresholdExceed");
    expect(evaluateStatusCheck(continuous, statusOf("SFFF"), at(45)).completedReason).toBe("StatusCheckFailureThresholdExceed");
  });

  it("Continuous: the success threshold is reported but does not complete the check", () => {
    const evaluation = evaluateStatusCheck(continuous, statusOf("SSS"), at(35));
    expect(evaluation.completedReason).toBeUndefined();
    expect(evaluation.conditions.find((c) => c.type === "SuccessThresholdExceed")?.status).toBe("True");
  });

  it("Continuous: the duration completes the check, before any threshold", () => {
    const evaluation = evaluateStatusCheck(continuous, statusOf("SSSSSFFF"), at(60));
    expect(evaluation.completedReason).toBe("StatusCheckDurationExceed");
    expect(evaluation.conditions.filter((c) => c.status === "True").map((c) => c.type)).toEqual(["Completed", "DurationExceed", "FailureThresholdExceed"]);
  });

  it("moves lastTransitionTime only when a condition's status changes", () => {
    const first = withEvaluatedConditions(continuous, statusOf("S"), at(15)).status;
    const second = evaluateStatusCheck(continuous, { ...statusOf("SS"), conditions: first.conditions! }, at(25));
    const success = second.conditions.find((c) => c.type === "SuccessThresholdExceed")!;
    expect(success).toMatchObject({ status: "True", lastProbeTime: iso(25), lastTransitionTime: iso(25) });
    const completed = second.conditions.find((c) => c.type === "Completed")!;
    expect(completed).toMatchObject({ status: "False", lastProbeTime: iso(25), lastTransitionTime: iso(15) });
    expect(second.crossed).toEqual(["SuccessThresholdExceed"]);
  });

  it("a condition already True is not crossed again", () => {
    const once = withProbeRecord(continuous, statusOf("S"), { startTime: iso(20), outcome: "Success" }, at(20));
    const twice = withProbeRecord(continuous, once.status, { startTime: iso(30), outcome: "Success" }, at(30));
    expect(once.evaluation.crossed).toEqual(["SuccessThresholdExceed"]);
    expect(twice.evaluation.crossed).toEqual([]);
  });
});

describe("withProbeRecord", () => {
  const spec = resolveStatusCheckSpec({ mode: "Continuous", recordsHistoryLimit: 3, failureThreshold: 3 });

  it("appends the record, counts it and keeps at most recordsHistoryLimit records, newest last", () => {
    const { status } = withProbeRecord(spec, statusOf("SSS"), { startTime: iso(40), outcome: "Failure" }, at(40));
    expect(status.count).toBe(4);
    expect(status.records).toEqual([...records("SSS").slice(1), { startTime: iso(40), outcome: "Failure" }]);
  });

  it("sets completionTime once, when the check completes", () => {
    const { status, evaluation } = withProbeRecord(spec, statusOf("FF"), { startTime: iso(30), outcome: "Failure" }, at(31));
    expect(evaluation.completedReason).toBe("StatusCheckFailureThresholdExceed");
    expect(status.completionTime).toBe(iso(31));
    expect(isStatusCheckCompleted(status)).toBe(true);
    expect(withProbeRecord(spec, status, { startTime: iso(40), outcome: "Failure" }, at(41)).status.completionTime).toBe(iso(31));
  });
});

describe("nextStatusCheckStep", () => {
  const spec = resolveStatusCheckSpec({ mode: "Synchronous", intervalSeconds: 10, successThreshold: 3, duration: "100s" });

  it("starts an unstarted check", () => {
    expect(nextStatusCheckStep(spec, undefined, at(0))).toEqual({ step: "start" });
    expect(nextStatusCheckStep(spec, {}, at(0))).toEqual({ step: "start" });
  });

  it("probes first one interval after the start", () => {
    expect(nextStatusCheckStep(spec, { startTime: iso(0) }, at(4))).toEqual({ step: "wait", delayMs: 6000 });
    expect(nextStatusCheckStep(spec, { startTime: iso(0) }, at(10))).toEqual({ step: "probe" });
  });

  it("measures the next probe from the newest record's start", () => {
    expect(nextStatusCheckStep(spec, statusOf("SS"), at(21.5))).toEqual({ step: "wait", delayMs: 8500 });
  });

  it("after a long downtime, one probe is due, not one per missed interval", () => {
    const status = statusOf("S");
    expect(nextStatusCheckStep(spec, status, at(95))).toEqual({ step: "probe" });
    const after = withProbeRecord(spec, status, { startTime: iso(95), outcome: "Success" }, at(95)).status;
    expect(nextStatusCheckStep(spec, after, at(95.2))).toMatchObject({ step: "wait" });
  });

  it("wakes at the end of the duration, then completes", () => {
    expect(nextStatusCheckStep(spec, statusOf("SS", { startTime: iso(-75) }), at(21))).toEqual({ step: "wait", delayMs: 4000 });
    expect(nextStatusCheckStep(spec, statusOf("SS", { startTime: iso(-75) }), at(25))).toEqual({ step: "complete" });
  });

  it("completes a status whose records already meet a threshold (a spec lowered since)", () => {
    const lowered = resolveStatusCheckSpec({ mode: "Synchronous", successThreshold: 1 });
    expect(nextStatusCheckStep(lowered, statusOf("S"), at(12))).toEqual({ step: "complete" });
  });

  it("does nothing for a completed check", () => {
    const done = withProbeRecord(spec, statusOf("SS"), { startTime: iso(30), outcome: "Success" }, at(30)).status;
    expect(nextStatusCheckStep(spec, done, at(1000))).toEqual({ step: "done" });
  });
});
