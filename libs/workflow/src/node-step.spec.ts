import { childDeadlineMs, childrenStep, isNodeFinished, withCondition } from "./node-step.js";

describe("childrenStep", () => {
  it("Serial starts the first child, then each next one once the one before has finished", () => {
    expect(childrenStep("Serial", ["missing", "missing", "missing"])).toEqual({ spawn: [0], accomplished: false });
    expect(childrenStep("Serial", ["running", "missing", "missing"])).toEqual({ spawn: [], accomplished: false });
    expect(childrenStep("Serial", ["finished", "missing", "missing"])).toEqual({ spawn: [1], accomplished: false });
    expect(childrenStep("Serial", ["finished", "finished", "running"])).toEqual({ spawn: [], accomplished: false });
    expect(childrenStep("Serial", ["finished", "finished", "finished"])).toEqual({ spawn: [], accomplished: true });
  });

  it("Parallel starts every missing child and is accomplished when all have finished", () => {
    expect(childrenStep("Parallel", ["missing", "running", "missing"])).toEqual({ spawn: [0, 2], accomplished: false });
    expect(childrenStep("Parallel", ["finished", "running"])).toEqual({ spawn: [], accomplished: false });
    expect(childrenStep("Parallel", ["finished", "finished"])).toEqual({ spawn: [], accomplished: true });
  });

  it("an empty Serial or Parallel is accomplished at once", () => {
    expect(childrenStep("Serial", [])).toEqual({ spawn: [], accomplished: true });
    expect(childrenStep("Parallel", [])).toEqual({ spawn: [], accomplished: true });
  });

  it("once stopped (deadline or abort) nothing new starts, and the node is over when no child runs", () => {
    expect(childrenStep("Serial", ["finished", "missing"], true)).toEqual({ spawn: [], accomplished: true });
    expect(childrenStep("Parallel", ["running", "missing"], true)).toEqual({ spawn: [], accomplished: false });
  });
});

describe("childDeadlineMs", () => {
  it("is the start plus the template's deadline, clamped to the parent's", () => {
    expect(childDeadlineMs(1000, 500, undefined)).toBe(1500);
    expect(childDeadlineMs(1000, 500, 1200)).toBe(1200);
    expect(childDeadlineMs(1000, undefined, 1200)).toBe(1200);
    expect(childDeadlineMs(1000, undefined, undefined)).toBeUndefined();
  });
});

describe("node conditions", () => {
  it("a node is finished when Accomplished, DeadlineExceed or Aborted is True", () => {
    expect(isNodeFinished(undefined)).toBe(false);
    expect(isNodeFinished({ conditions: [{ type: "ChaosInjected", status: "True", reason: "ChaosCRCreated" }] })).toBe(false);
    expect(isNodeFinished({ conditions: [{ type: "Accomplished", status: "False", reason: "" }] })).toBe(false);
    for (const type of ["Accomplished", "DeadlineExceed", "Aborted"] as const) expect(isNodeFinished({ conditions: [{ type, status: "True", reason: "x" }] })).toBe(true);
  });

  it("withCondition replaces the condition of the same type", () => {
    expect(
      withCondition([{ type: "ChaosInjected", status: "True", reason: "ChaosCRCreated" }, { type: "Aborted", status: "False", reason: "" }], {
        type: "ChaosInjected",
        status: "False",
        reason: "ChaosCRDeleted",
      }),
    ).toEqual([{ type: "Aborted", status: "False", reason: "" }, { type: "ChaosInjected", status: "False", reason: "ChaosCRDeleted" }]);
  });
});
