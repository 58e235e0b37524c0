import { childNodeName, entryNodeName, labelValueOf } from "./node-names.js";
import { nodeSpecOf } from "./node-spec.js";

describe("node names", () => {
  it("are deterministic, so a restart finds the node it made", () => {
    const wf = { name: "nightly", uid: "0b5e6c1e-aaaa-bbbb-cccc-000000000001" };
    expect(entryNodeName(wf, "entry")).toBe(entryNodeName(wf, "entry"));
    expect(entryNodeName(wf, "entry")).toMatch(/^nightly-entry-[0-9a-f]{10}$/);
    const parent = entryNodeName(wf, "entry");
    expect(childNodeName("nightly", parent, 1, "pause")).toBe(childNodeName("nightly", parent, 1, "pause"));
  });

  it("differ per Workflow uid, per child index and per parent", () => {
    const a = entryNodeName({ name: "wf", uid: "1" }, "e");
    expect(a).not.toBe(entryNodeName({ name: "wf", uid: "2" }, "e"));
    expect(childNodeName("wf", a, 0, "t")).not.toBe(childNodeName("wf", a, 1, "t"));
    expect(childNodeName("wf", a, 0, "t")).not.toBe(childNodeName("wf", "other", 0, "t"));
  });

  it("fit a label value (63 characters), however long the names", () => {
    const long = entryNodeName({ name: "w".repeat(200), uid: "u" }, "t".repeat(200));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(entryNodeName({ name: "my.workflow", uid: "u" }, "a.b")).toMatch(/^my-workflow-a-b-[0-9a-f]{10}$/);
    expect(labelValueOf("short")).toBe("short");
    expect(labelValueOf("x".repeat(100)).length).toBeLessThanOrEqual(63);
  });
});

describe("nodeSpecOf", () => {
  const start = Date.parse("2030-01-01T00:00:00Z");

  it("copies the template's own sub-spec and makes its deadline absolute", () => {
    expect(nodeSpecOf({ name: "a", templateType: "WfAlphaChaos", deadline: "30s", wfAlphaChaos: { target: "x" }, children: ["ignored"] }, "wf", start, undefined)).toEqual({
      templateName: "a",
      workflowName: "wf",
      type: "WfAlphaChaos",
      startTime: "2030-01-01T00:00:00.000Z",
      deadline: "2030-01-01T00:00:30.000Z",
      wfAlphaChaos: { target: "x" },
    });
    expect(nodeSpecOf({ name: "s", templateType: "Serial", children: ["a", "b"] }, "wf", start, undefined)).toMatchObject({ children: ["a", "b"] });
    expect(nodeSpecOf({ name: "c", templateType: "StatusCheck", statusCheck: { mode: "Synchronous" }, abortWithStatusCheck: true }, "wf", start, undefined)).toMatchObject({
      statusCheck: { mode: "Synchronous" },
      abortWithStatusCheck: true,
    });
  });

  it("never outlives its parent's deadline", () => {
    expect(nodeSpecOf({ name: "p", templateType: "Suspend", deadline: "1h" }, "wf", start, start + 5000).deadline).toBe("2030-01-01T00:00:05.000Z");
  });
});
