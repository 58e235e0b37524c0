import { findTemplate, templateGraphErrors } from "./template-graph.js";
import type { WorkflowTemplate } from "./workflow-types.js";

const serial = (name: string, children: string[]): WorkflowTemplate => ({ name, templateType: "Serial", children });
const suspend = (name: string): WorkflowTemplate => ({ name, templateType: "Suspend", deadline: "1s" });
const task = (name: string, targets: string[]): WorkflowTemplate => ({
  name,
  templateType: "Task",
  task: { container: { name: "c", image: "busybox" } },
  conditionalBranches: targets.map((target) => ({ target, expression: "exitCode == 0" })),
});

describe("templateGraphErrors", () => {
  it("accepts a tree, and a template used twice (a DAG is not a cycle)", () => {
    expect(templateGraphErrors({ entry: "root", templates: [serial("root", ["pause", "inner", "pause"]), serial("inner", ["pause"]), suspend("pause")] })).toEqual([]);
  });

  it("names a missing entry, a missing child and a duplicate name", () => {
    expect(templateGraphErrors({ entry: "nope", templates: [serial("a", ["ghost"]), suspend("b"), suspend("b")] })).toEqual([
      "template name b is used twice",
      "entry nope names no template",
      "template a: child ghost names no template",
    ]);
  });

  it("finds a template that contains itself, directly or through others", () => {
    expect(templateGraphErrors({ entry: "loop", templates: [serial("loop", ["loop"])] })).toEqual(["template loop contains itself: loop → loop"]);
    expect(templateGraphErrors({ entry: "a", templates: [serial("a", ["b"]), serial("b", ["c"]), serial("c", ["pause", "a"]), suspend("pause")] })).toEqual([
      "template a contains itself: a → b → c → a",
    ]);
  });

  it("follows a Task's branch targets: a missing one is named, and a Task that can start itself again is a cycle", () => {
    expect(templateGraphErrors({ entry: "t", templates: [task("t", ["pause", "ghost"]), suspend("pause")] })).toEqual(["template t: branch target ghost names no template"]);
    expect(templateGraphErrors({ entry: "s", templates: [serial("s", ["t"]), task("t", ["pause", "s"]), suspend("pause")] })).toEqual(["template s contains itself: s → t → s"]);
    expect(templateGraphErrors({ entry: "t", templates: [task("t", ["pause", "pause"]), suspend("pause")] })).toEqual([]);
  });

  it("ignores a cycle that the entry cannot reach (it never runs)", () => {
    expect(templateGraphErrors({ entry: "pause", templates: [suspend("pause"), serial("x", ["x"])] })).toEqual([]);
  });

  it("finds templates by name", () => {
    expect(findTemplate({ entry: "p", templates: [suspend("p")] }, "p")?.templateType).toBe("Suspend");
    expect(findTemplate({ entry: "p", templates: [suspend("p")] }, "q")).toBeUndefined();
  });
});
