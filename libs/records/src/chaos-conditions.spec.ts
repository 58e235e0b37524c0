import type { Record } from "@faultline/api";
import { changedConditions, computeConditions, mergeConditions } from "./chaos-conditions.js";

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
