import { backoffWaits, dueRecords, operationFor } from "./due-records.js";
import { testRecord } from "./testing/in-memory-seams.test-support.js";

const now = Date.parse("2026-01-01T00:00:10Z");
const failedAt = (iso: string, operation: "Apply" | "Recover" = "Apply") => ({ events: [{ type: "Failed" as const, operation, timestamp: iso }] });
const policy = { baseMs: 1000, maxMs: 60_000 };

describe("operationFor", () => {
  it.each([
    ["Run", testRecord("r"), "Apply"],
    ["Run", testRecord("r", { phase: "Injected" }), undefined],
    ["Run", testRecord("r", { phase: "Injected/1" }), "Apply"],
    ["Stop", testRecord("r", { phase: "Injected" }), "Recover"],
    ["Stop", testRecord("r"), undefined],
    ["Stop", testRecord("r", { applying: true }), "Recover"],
  ] as const)("%s with %j → %s", (phase, record, operation) => {
    expect(operationFor(phase, record)).toBe(operation);
  });
});

describe("dueRecords", () => {
  it("takes records that need an operation and whose backoff has passed; the others wait", () => {
    const records = [
      testRecord("a"),
      testRecord("b", { phase: "Injected" }),
      testRecord("c", failedAt("2026-01-01T00:00:09.500Z")), // one failure: 1 s backoff, 500 ms left
      testRecord("d", failedAt("2026-01-01T00:00:05Z")),
    ];
    expect(dueRecords(records, "Run", policy, now)).toEqual({ due: [0, 3], waits: [500] });
  });

  it("reads the backoff of the operation the phase asks for", () => {
    const records = [testRecord("a", { phase: "Injected", ...failedAt("2026-01-01T00:00:09.500Z", "Apply") })];
    expect(dueRecords(records, "Stop", policy, now)).toEqual({ due: [0], waits: [] });
  });
});

describe("backoffWaits", () => {
  it("answers how long until each failed record is retried, from its persisted events", () => {
    const records = [testRecord("a", failedAt("2026-01-01T00:00:10Z")), testRecord("b"), testRecord("c", { phase: "Injected" })];
    expect(backoffWaits(records, "Run", policy, now)).toEqual([1000]);
  });
});
