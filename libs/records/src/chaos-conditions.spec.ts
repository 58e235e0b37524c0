import type { Record } from "@faultline/api";
import { changedConditions, computeConditions, maxConditionMessageLength, mergeConditions, withSelectionFailure } from "./chaos-conditions.js";

const record = (phase: Record["phase"]): Record => ({ id: "ns/p/c", selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0 });
const statuses = (records: Record[] | undefined, paused = false) =>
  Object.fromEntries(computeConditions(records, paused).map((c) => [c.type, c.status]));

describe("computeConditions", () => {
  it("before selection: nothing selected, injected or recovered", () => {
    expect(statuses(undefined)).toEqual({ Selected: "False", AllInjected: "False", AllRecovered: "False", Paused: "False" });
    expect(statuses([])).toMatchObject({ Selected: "False", AllInjected: "False" });
  });

  it("freshly selected records are all recovered, none injected", () => {
    expect(statuses([record("Not Injected"), record("Not Injected")])).toMatchObject({
      Selected: "True",
      AllInjected: "False",
      AllRecovered: "True",
    });
  });

  it("all injected only when every record is exactly Injected", () => {
    expect(statuses([record("Injected"), record("Injected")])).toMatchObject({ AllInjected: "True", AllRecovered: "False" });
    expect(statuses([record("Injected"), record("Injected/Step")])).toMatchObject({ AllInjected: "False", AllRecovered: "False" });
  });

  it("reports pause", () => {
    expect(statuses([record("Injected")], true)).toMatchObject({ Paused: "True" });
  });

  it("reports a pause by something else (the kill switch) with its reason and message, before and after selection", () => {
    const bySwitch = { reason: "KillSwitch", message: "the kill switch (killswitch/cluster) is engaged: incident" };
    for (const records of [undefined, [record("Injected")]]) {
      expect(computeConditions(records, bySwitch).find((c) => c.type === "Paused")).toEqual({ type: "Paused", status: "True", ...bySwitch });
    }
    expect(computeConditions([record("Injected")], true).find((c) => c.type === "Paused")?.reason).toBe("Paused");
  });
});

describe("condition reasons and messages", () => {
  const byType = (conditions: ReturnType<typeof computeConditions>) => Object.fromEntries(conditions.map((c) => [c.type, c]));

  it("say how far the records are, and how many are failing", () => {
    const failed: Record = { ...record("Not Injected"), events: [{ type: "Failed", operation: "Apply", message: "daemon down", timestamp: "t" }] };
    const c = byType(computeConditions([record("Injected"), record("Injected"), failed], false));
    expect(c["Selected"]).toEqual({ type: "Selected", status: "True", reason: "Selected", message: "3 target(s) selected" });
    expect(c["AllInjected"]).toEqual({
      type: "AllInjected",
      status: "False",
      reason: "NotAllInjected",
      message: "2 of 3 record(s) injected, 1 failing (see the records' events)",
    });
    expect(c["AllRecovered"]).toMatchObject({ reason: "NotAllRecovered", message: "1 of 3 record(s) recovered, 1 failing (see the records' events)" });
    expect(c["Paused"]).toEqual({ type: "Paused", status: "False", reason: "NotPaused" });
    expect(byType(computeConditions([record("Injected")], true))["Paused"]).toMatchObject({ status: "True", reason: "Paused" });
  });

  it("keep a selection failure until targets are selected, bounded", () => {
    const failedOnce = withSelectionFailure(computeConditions(undefined, false), "InvalidValue", "x".repeat(5000));
    const selected = failedOnce.find((c) => c.type === "Selected")!;
    expect(selected).toMatchObject({ status: "False", reason: "InvalidValue" });
    expect(selected.message!.length).toBeLessThanOrEqual(maxConditionMessageLength);
    // recomputed by a later write before selection: still says why
    expect(byType(computeConditions(undefined, false, failedOnce))["Selected"]).toEqual(selected);
    // once selected, the failure is gone
    expect(byType(computeConditions([record("Not Injected")], false, failedOnce))["Selected"]).toMatchObject({ status: "True", reason: "Selected" });
    // nothing failed: not selected yet
    expect(byType(computeConditions(undefined, false))["Selected"]).toMatchObject({ status: "False", reason: "NotSelected" });
  });
});

describe("changedConditions and mergeConditions", () => {
  it("lists what changed", () => {
    const before = computeConditions([record("Not Injected")], false);
    const after = computeConditions([record("Injected")], false);
    expect(changedConditions(before, after)).toEqual(["AllInjected=True", "AllRecovered=False"]);
    expect(changedConditions(undefined, after)).toHaveLength(4);
    expect(changedConditions(after, after)).toEqual([]);
  });

  it("keeps conditions it does not own", () => {
    const merged = mergeConditions([{ type: "Custom" as never, status: "True" }, { type: "Paused", status: "True" }], computeConditions(undefined, false));
    expect(merged.map((c) => `${c.type}=${c.status}`)).toEqual([
      "Selected=False",
      "AllInjected=False",
      "AllRecovered=False",
      "Paused=False",
      "Custom=True",
    ]);
  });
});
