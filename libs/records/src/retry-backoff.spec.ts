import type { Record, RecordEvent } from "@faultline/api";
import { backoffDelayMs, consecutiveFailures, nextAttemptAtMs } from "./retry-backoff.js";

const event = (type: RecordEvent["type"], operation: RecordEvent["operation"], timestamp = "2025-01-01T00:00:00Z"): RecordEvent => ({
  type,
  operation,
  timestamp,
});

describe("backoffDelayMs", () => {
  it("doubles from the base and stops at the cap", () => {
    const policy = { baseMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 5, 100].map((n) => backoffDelayMs(n, policy))).toEqual([0, 100, 200, 400, 800, 1000, 1000]);
  });

  it("defaults to 1 s doubling up to 5 min", () => {
    expect(backoffDelayMs(1)).toBe(1000);
    expect(backoffDelayMs(9)).toBe(256_000);
    expect(backoffDelayMs(10)).toBe(300_000);
  });
});

describe("consecutiveFailures", () => {
  it("counts the trailing failures of one operation", () => {
    const events = [event("Failed", "Apply"), event("Succeeded", "Apply"), event("Failed", "Apply"), event("Failed", "Apply")];
    expect(consecutiveFailures(events, "Apply")).toBe(2);
    expect(consecutiveFailures(events, "Recover")).toBe(0);
    expect(consecutiveFailures([...events, event("Failed", "Recover")], "Apply")).toBe(0);
    expect(consecutiveFailures(undefined, "Apply")).toBe(0);
  });
});

describe("nextAttemptAtMs", () => {
  const record = (events: RecordEvent[]): Record => ({ id: "a/b", selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0, events });

  it("is now without failures, and last failure + backoff with them", () => {
    expect(nextAttemptAtMs(record([]), "Apply")).toBe(0);
    const t = "2025-01-01T00:00:10Z";
    expect(nextAttemptAtMs(record([event("Failed", "Apply", t), event("Failed", "Apply", t)]), "Apply", { baseMs: 500, maxMs: 10_000 })).toBe(
      Date.parse(t) + 1000,
    );
  });
});
