import type { ChaosStatus } from "@faultline/api";
import { applyingMarks } from "./applying-marks.js";
import { testObject, testRecord } from "./testing/in-memory-seams.test-support.js";

describe("applyingMarks", () => {
  it("marks each record about to be applied, not re-applies nor records already marked", () => {
    const records = [testRecord("a"), testRecord("b", { applying: true }), testRecord("c", { phase: "Injected" }), testRecord("d"), testRecord("a", { selectorKey: "target" })];
    const mark = applyingMarks(records, [0, 1, 2, 4], new Set([2]), "Run")!;
    const status: ChaosStatus = { experiment: { containerRecords: structuredClone(records) } };
    mark(status, testObject("x"));
    expect(status.experiment!.containerRecords!.map((r) => r.applying ?? false)).toEqual([true, true, false, false, true]);
  });

  it("is nothing when no record is applied (a stop, or only re-applies)", () => {
    expect(applyingMarks([testRecord("a", { phase: "Injected" })], [0], new Set(), "Stop")).toBeUndefined();
    expect(applyingMarks([testRecord("a", { phase: "Injected" })], [0], new Set([0]), "Run")).toBeUndefined();
  });
});
