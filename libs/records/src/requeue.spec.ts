import { nextStepWaits, requeueAfter, selectionRetry } from "./requeue.js";

describe("requeueAfter", () => {
  it("answers the soonest wait, rounded up, a past one meaning now, and nothing without waits", () => {
    expect(requeueAfter([5000, 1200.2, 30_000])).toEqual({ requeueAfterMs: 1201 });
    expect(requeueAfter([5000, -40])).toEqual({ requeueAfterMs: 0 });
    expect(requeueAfter([])).toEqual({});
  });
});

describe("selectionRetry", () => {
  it("retries what can heal by itself after selectRetryMs, or sooner when the duration ends sooner", () => {
    expect(selectionRetry("NoPodSelected", [], 10_000)).toEqual({ requeueAfterMs: 10_000 });
    expect(selectionRetry("ContainerNotFound", [3000, -5], 10_000)).toEqual({ requeueAfterMs: 3000 });
  });

  it("does not retry a spec error on a timer (only a change of the object cures it)", () => {
    expect(selectionRetry("InvalidValue", [], 10_000)).toEqual({});
    expect(selectionRetry("InvalidMode", [60_000], 10_000)).toEqual({ requeueAfterMs: 60_000 });
  });
});

describe("nextStepWaits", () => {
  it("asks for the next step at once when a record moved to a step phase", () => {
    const outcome = { id: "p", selectorKey: ".", operation: "Apply" as const, reapplied: false, timestamp: "" };
    expect(nextStepWaits([{ ...outcome, phase: "Injected/1" }])).toEqual([0]);
    expect(nextStepWaits([{ ...outcome, phase: "Injected" }])).toEqual([]);
  });
});
