import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { controlledByLabel, layoutWorkflowGraph, nodeState, relativeTime, workflowGraph, workflowPhase, workflowProblem, type WorkflowView, type WorkflowNodeView } from "./workflow-graph.js";
import type { WorkflowCondition, WorkflowNodeCondition } from "@faultline/workflow/types";

const examples = fileURLToPath(new URL("../../../../../libs/chaos/examples/", import.meta.url));
const example = (file: string) => ({ ...(parse(readFileSync(examples + file, "utf8")) as WorkflowView), metadata: { name: parse(readFileSync(examples + file, "utf8")).metadata.name, uid: "wf-uid" } });

function node(name: string, template: string, controlledBy: string, conditions: WorkflowNodeCondition["type"][] = [], extra: Partial<WorkflowNodeView["spec"]> = {}): WorkflowNodeView {
  return {
    metadata: {
      name,
      labels: { [controlledByLabel]: controlledBy },
      ...(controlledBy === "try-workflow-serial" ? { ownerReferences: [{ apiVersion: "chaos-mesh.org/v1alpha1", kind: "Workflow", name: controlledBy, uid: "wf-uid" }] } : {}),
    },
    spec: { templateName: template, workflowName: "try-workflow-serial", type: "x", startTime: `2026-12-06T10:00:0${name.length % 10}Z`, ...extra },
    status: { conditions: conditions.map((type) => ({ type, status: "True", reason: "" })) },
  };
}

describe("workflowGraph: the template tree", () => {
  it("draws the serial example's entry and its three children in order, nothing started yet", () => {
    const graph = workflowGraph(example("workflow-serial.yaml"), []);
    expect(graph.nodes.map((n) => [n.id, n.type, n.state, n.templateDeadline])).toEqual([
      ["serial-of-3-node", "Serial", "Pending", "240s"],
      ["serial-of-3-node/workflow-stress-chaos", "StressChaos", "Pending", "20s"],
      ["serial-of-3-node/suspending", "Suspend", "Pending", "10s"],
      ["serial-of-3-node/workflow-network-chaos", "NetworkChaos", "Pending", "20s"],
    ]);
    expect(graph.edges.map((e) => `${e.from} -${e.label}-> ${e.to}`)).toEqual([
      "serial-of-3-node -1-> serial-of-3-node/workflow-stress-chaos",
      "serial-of-3-node -2-> serial-of-3-node/suspending",
      "serial-of-3-node -3-> serial-of-3-node/workflow-network-chaos",
    ]);
    expect(graph.problems).toEqual([]);
  });

  it("gives each box the state of the WorkflowNode running it, found by the controlled-by labels, with its deadline and chaos object", () => {
    const wf = example("workflow-serial.yaml");
    const nodes = [
      node("entry-n", "serial-of-3-node", "try-workflow-serial", [], { deadline: "2026-12-06T10:04:00Z" }),
      { ...node("stress-n", "workflow-stress-chaos", "entry-n", ["ChaosInjected", "DeadlineExceed"]) },
      { ...node("pause-n", "suspending", "entry-n", []), status: { conditions: [], chaosResource: { apiGroup: "chaos-mesh.org", kind: "StressChaos", name: "stress-x" } } },
      // another workflow's node with the same template name is not taken
      { ...node("other", "workflow-network-chaos", "entry-n", ["Accomplished"]), spec: { templateName: "workflow-network-chaos", workflowName: "another", type: "x", startTime: "2026-12-06T10:00:00Z" } },
    ];
    const graph = workflowGraph(wf, nodes);
    expect(graph.nodes.map((n) => [n.template, n.state, n.nodeName ?? null])).toEqual([
      ["serial-of-3-node", "Running", "entry-n"],
      ["workflow-stress-chaos", "DeadlineExceeded", "stress-n"],
      ["suspending", "Running", "pause-n"],
      ["workflow-network-chaos", "Pending", null],
    ]);
    expect(graph.nodes[0]!.deadline).toBe("2026-12-06T10:04:00Z");
    expect(graph.nodes[2]!.resource).toEqual({ kind: "StressChaos", name: "stress-x" });
  });

  it("marks a finished parent's never-started children Skipped (a Task's branches not taken, an aborted Serial's rest)", () => {
    const wf = example("workflow-custom-task.yaml");
    const entry = wf.spec.entry;
    const nodes = [
      { ...node("task-n", entry, "x", ["Accomplished"]), metadata: { name: "task-n", ownerReferences: [{ apiVersion: "chaos-mesh.org/v1alpha1", kind: "Workflow", name: "try-workflow-custom-task", uid: "wf-uid" }] }, spec: { templateName: entry, workflowName: wf.metadata.name!, type: "Task", startTime: "2026-12-06T10:00:00Z" } },
      { ...node("net-n", "workflow-network-chaos", "task-n", ["Accomplished"]), spec: { templateName: "workflow-network-chaos", workflowName: wf.metadata.name!, type: "NetworkChaos", startTime: "2026-12-06T10:00:01Z" } },
    ];
    const graph = workflowGraph(wf, nodes);
    expect(graph.nodes.map((n) => [n.template, n.state])).toEqual([
      ["pick-a-fault", "Accomplished"],
      ["workflow-stress-chaos", "Skipped"],
      ["workflow-network-chaos", "Accomplished"],
      ["report-failure", "Skipped"],
    ]);
    expect(graph.edges.map((e) => e.label)).toEqual(['if exitCode == 0 && stdout == "cpu-stress"', 'if exitCode == 0 && stdout == "network-delay"', "if exitCode != 0"]);
  });

  it("draws a template used twice twice, each matched to its own node in start order", () => {
    const wf: WorkflowView = {
      metadata: { name: "w", uid: "u" },
      spec: { entry: "s", templates: [{ name: "s", templateType: "Serial", children: ["p", "p"] }, { name: "p", templateType: "Suspend", deadline: "5s" }] },
    };
    const mk = (name: string, template: string, parent: string, start: string, done: boolean): WorkflowNodeView => ({
      metadata: { name, labels: { [controlledByLabel]: parent }, ...(parent === "w" ? { ownerReferences: [{ apiVersion: "chaos-mesh.org/v1alpha1", kind: "Workflow", name: "w", uid: "u" }] } : {}) },
      spec: { templateName: template, workflowName: "w", type: "x", startTime: start },
      status: { conditions: done ? [{ type: "Accomplished", status: "True", reason: "" }] : [] },
    });
    const graph = workflowGraph(wf, [mk("s-1", "s", "w", "2026-01-01T00:00:00Z", false), mk("p-2", "p", "s-1", "2026-01-01T00:00:09Z", false), mk("p-1", "p", "s-1", "2026-01-01T00:00:01Z", true)]);
    expect(graph.nodes.map((n) => [n.id, n.nodeName, n.state])).toEqual([
      ["s", "s-1", "Running"],
      ["s/p", "p-1", "Accomplished"],
      ["s/p#2", "p-2", "Running"],
    ]);
  });

  it("reports undefined templates and cycles instead of looping", () => {
    const wf: WorkflowView = { metadata: { name: "w" }, spec: { entry: "a", templates: [{ name: "a", templateType: "Serial", children: ["b", "missing"] }, { name: "b", templateType: "Serial", children: ["a"] }] } };
    const graph = workflowGraph(wf, []);
    expect(graph.problems).toEqual(["template a contains itself: a → b → a", "template missing is named but not defined"]);
    expect(graph.nodes.map((n) => n.id)).toEqual(["a", "a/b", "a/b/a"]);
    expect(graph.edges).toHaveLength(2);
  });
});

describe("states and phases", () => {
  it.each([
    [["Aborted", "Accomplished"], "Aborted"],
    [["Accomplished"], "Accomplished"],
    [["DeadlineExceed", "ChaosInjected"], "DeadlineExceeded"],
    [["ChaosInjected"], "Injected"],
    [[], "Running"],
  ])("conditions %j → %s", (conditions, state) => {
    expect(nodeState(node("n", "t", "p", conditions as WorkflowNodeCondition["type"][]), false)).toBe(state);
  });

  it("a Workflow's phase from its conditions", () => {
    const wf = (types: WorkflowCondition["type"][], entryNode?: string): WorkflowView => ({ metadata: {}, spec: { entry: "a", templates: [] }, status: { conditions: types.map((type) => ({ type, status: "True" })), ...(entryNode ? { entryNode } : {}) } });
    expect(workflowPhase(wf([]))).toBe("Pending");
    expect(workflowPhase(wf(["Scheduled"]))).toBe("Running");
    expect(workflowPhase(wf(["Scheduled", "KillSwitch"]))).toBe("Held");
    expect(workflowPhase(wf(["Scheduled", "Accomplished"]))).toBe("Accomplished");
    expect(workflowPhase(wf(["Accomplished", "Aborted"]))).toBe("Aborted");
  });

  it("a Workflow its controller refused (Scheduled=False InvalidEntry) is Invalid, not Pending, and says why", () => {
    const refused: WorkflowView = { metadata: { name: "loop" }, spec: { entry: "a", templates: [] }, status: { conditions: [{ type: "Scheduled", status: "False", reason: "InvalidEntry" }] } };
    expect(workflowPhase(refused)).toBe("Invalid");
    expect(workflowProblem(refused)).toMatch(/Scheduled=False InvalidEntry/);
    const waiting: WorkflowView = { metadata: { name: "w" }, spec: { entry: "a", templates: [] }, status: { conditions: [{ type: "Scheduled", status: "False", reason: "Other" }] } };
    expect(workflowPhase(waiting)).toBe("Pending");
    expect(workflowProblem(waiting)).toBeUndefined();
  });

  it("says how far a deadline is", () => {
    const now = new Date("2026-12-06T10:00:00Z");
    expect(relativeTime("2026-12-06T10:03:20Z", now)).toBe("in 3m 20s");
    expect(relativeTime("2026-12-06T09:59:55Z", now)).toBe("5s ago");
    expect(relativeTime("2026-12-06T12:30:00Z", now)).toBe("in 2h 30m");
  });
});

describe("layoutWorkflowGraph (dagre)", () => {
  it("places the entry above its children, children side by side, edges with points, inside the drawing", () => {
    const layout = layoutWorkflowGraph(workflowGraph(example("workflow-parallel.yaml"), []));
    const [entry, ...children] = layout.nodes;
    expect(children.length).toBeGreaterThan(1);
    for (const c of children) expect(c.y).toBeGreaterThan(entry!.y);
    expect(new Set(children.map((c) => c.x)).size).toBe(children.length);
    for (const n of layout.nodes) {
      expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
      expect(n.x + n.width / 2).toBeLessThanOrEqual(layout.width);
      expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
    }
    for (const e of layout.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
  });

  it("draws a Serial's children left to right in their order (its '1' left of its '2')", () => {
    for (const file of ["workflow-serial.yaml", "workflow-parallel.yaml"]) {
      const wf = example(file);
      const entry = wf.spec.templates.find((t) => t.name === wf.spec.entry)!;
      const layout = layoutWorkflowGraph(workflowGraph(wf, []));
      const xs = entry.children!.map((child) => layout.nodes.find((n) => n.id === `${wf.spec.entry}/${child}`)!.x);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(new Set(xs).size).toBe(xs.length);
    }
    for (const n of [2, 3, 5]) {
      const kids = Array.from({ length: n }, (_, i) => `c${i}`);
      const layout = layoutWorkflowGraph(workflowGraph({ metadata: { name: "w" }, spec: { entry: "s", templates: [{ name: "s", templateType: "Serial", children: kids }, ...kids.map((k) => ({ name: k, templateType: "PodChaos" }))] } }, []));
      const labels = layout.edges.map((e) => [Number(e.label), e.labelX!] as const).sort((a, b) => a[0] - b[0]);
      expect(labels.map(([, x]) => x)).toEqual(labels.map(([, x]) => x).sort((a, b) => a - b));
    }
  });
});
