import { findTemplate, templateGraphErrors } from "./template-graph.js";
import type { WorkflowTemplate } from "./workflow-types.js";

const serial = (name: string, children: string[]): WorkflowTemplate => ({ name, templateType: "Serial", children });
const suspend = (name: string): WorkflowTemplate => ({ name, templateType: "Suspend", deadline: "1s" });

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

  it("ignores a cycle that the entry cannot reach (it never runs)", () => {
    expect(templateGraphErrors({ entry: "pause", templates: [suspend("pause"), serial("x", ["x"])] })).toEqual([]);
  });

  it("finds templates by name", () => {
    expect(findTemplate({ entry: "p", templates: [suspend("p")] }, "p")?.templateType).toBe("Suspend");
    expect(findTemplate({ entry: "p", templates: [suspend("p")] }, "q")).toBeUndefined();
  });
});
