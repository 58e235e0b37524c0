// A Workflow as a graph: one box per template occurrence, expanded from the entry through Serial
// and Parallel children and Task branches, each matched to the WorkflowNode object that runs it
// (the Workflow controller labels the entry node `chaos-mesh.org/controlled-by: <workflow>` and
// owns it; each node's children carry `controlled-by: <parent node>`), so a box shows its live
// state, the node's absolute deadline, and what a node that has not started will run.
import { Graph, layout } from "@dagrejs/dagre";
import { controlledByLabel, workflowLabel, workflowReasons } from "@faultline/workflow/names";
import type { Workflow, WorkflowCondition, WorkflowNode, WorkflowTemplate } from "@faultline/workflow/types";
import { formatDuration } from "../pages/experiment-records.js";

/** The labels the Workflow controllers put on WorkflowNodes (libs/workflow's own constants). */
export { controlledByLabel, workflowLabel };

/** What the graph reads of a Workflow (libs/workflow's type: the list's objects carry apiVersion and kind too). */
export type WorkflowView = Pick<Workflow, "metadata" | "spec" | "status">;
/** What the graph reads of a WorkflowNode. */
export type WorkflowNodeView = Pick<WorkflowNode, "metadata" | "spec" | "status">;
export type { WorkflowTemplate };

/** What a box says about its template occurrence; shown as text beside the colour. */
export type NodeState = "Pending" | "Running" | "Injected" | "Accomplished" | "DeadlineExceeded" | "Aborted" | "Skipped";

export interface GraphNode {
  /** The occurrence's path from the entry, template names joined by "/" (with "#i" for a repeated sibling). */
  id: string;
  template: string;
  type: string;
  state: NodeState;
  /** The WorkflowNode object running it, once started. */
  nodeName?: string;
  /** The template's relative deadline (a Go duration), as written. */
  templateDeadline?: string;
  /** The node's absolute deadline (RFC 3339), once started. */
  deadline?: string;
  /** The chaos object, Schedule or StatusCheck the node created. */
  resource?: { kind: string; name: string };
}

export interface GraphEdge {
  from: string;
  to: string;
  /** "1", "2"… for a Serial's children in order; the expression for a Task's branch; "" for Parallel. */
  label: string;
}

export interface WorkflowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Templates the spec names that do not exist, and cycles (drawn as far as they go). */
  problems: string[];
}

/** The most occurrences drawn: a Workflow bigger than this is cut (and says so in `problems`). */
export const maxGraphNodes = 400;

function hasCondition(conditions: { type: string; status: string }[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === "True");
}

/** The state of an occurrence from its WorkflowNode (absent: Pending, or Skipped when its parent is over without it). */
export function nodeState(node: WorkflowNodeView | undefined, parentOver: boolean): NodeState {
  if (node === undefined) return parentOver ? "Skipped" : "Pending";
  const conditions = node.status?.conditions;
  if (hasCondition(conditions, "Aborted")) return "Aborted";
  if (hasCondition(conditions, "Accomplished")) return "Accomplished";
  if (hasCondition(conditions, "DeadlineExceed")) return "DeadlineExceeded";
  if (hasCondition(conditions, "ChaosInjected")) return "Injected";
  return "Running";
}

const finished = (state: NodeState) => state === "Accomplished" || state === "DeadlineExceeded" || state === "Aborted" || state === "Skipped";

function byStart(a: WorkflowNodeView, b: WorkflowNodeView): number {
  return (a.spec.startTime ?? a.metadata.creationTimestamp ?? "").localeCompare(b.spec.startTime ?? b.metadata.creationTimestamp ?? "") || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
}

/**
 * The graph of a Workflow and its live nodes: every template occurrence reachable from the entry
 * (a template used twice is drawn twice), each with the state of the WorkflowNode running it.
 */
export function workflowGraph(workflow: WorkflowView, nodes: readonly WorkflowNodeView[]): WorkflowGraph {
  const templates = new Map<string, WorkflowTemplate>();
  for (const t of workflow.spec.templates ?? []) templates.set(t.name, t);
  const mine = nodes.filter((n) => n.spec.workflowName === workflow.metadata.name);
  const childrenOf = (parent: string) => mine.filter((n) => n.metadata.labels?.[controlledByLabel] === parent).sort(byStart);
  const out: WorkflowGraph = { nodes: [], edges: [], problems: [] };

  const entryNode =
    mine.find((n) => n.spec.templateName === workflow.spec.entry && (n.metadata.ownerReferences ?? []).some((o) => o.kind === "Workflow" && (workflow.metadata.uid === undefined || o.uid === workflow.metadata.uid))) ??
    mine.find((n) => n.spec.templateName === workflow.spec.entry && n.metadata.name === workflow.status?.entryNode);

  const visit = (templateName: string, id: string, node: WorkflowNodeView | undefined, parentOver: boolean, path: readonly string[]): void => {
    const template = templates.get(templateName);
    if (template === undefined) {
      out.problems.push(`template ${templateName} is named but not defined`);
      return;
    }
    if (out.nodes.length >= maxGraphNodes) {
      if (!out.problems.some((p) => p.startsWith("only the first"))) out.problems.push(`only the first ${maxGraphNodes} steps are drawn`);
      return;
    }
    const state = nodeState(node, parentOver);
    out.nodes.push({
      id,
      template: templateName,
      type: template.templateType,
      state,
      ...(node?.metadata.name ? { nodeName: node.metadata.name } : {}),
      ...(template.deadline ? { templateDeadline: template.deadline } : {}),
      ...(node?.spec.deadline ? { deadline: node.spec.deadline } : {}),
      ...(node?.status?.chaosResource ? { resource: { kind: node.status.chaosResource.kind, name: node.status.chaosResource.name } } : {}),
    });
    if (path.includes(templateName)) {
      out.problems.push(`template ${templateName} contains itself: ${[...path, templateName].join(" → ")}`);
      return;
    }
    const started = node?.metadata.name ? childrenOf(node.metadata.name) : [];
    const over = finished(state);
    const next: { target: string; label: string }[] = [
      ...(template.children ?? []).map((target, i) => ({ target, label: template.templateType === "Serial" ? String(i + 1) : "" })),
      ...(template.conditionalBranches ?? []).map((b) => ({ target: b.target, label: b.expression ? `if ${b.expression}` : "branch" })),
    ];
    const seen = new Map<string, number>();
    for (const { target, label } of next) {
      const occurrence = seen.get(target) ?? 0;
      seen.set(target, occurrence + 1);
      const childId = `${id}/${target}${occurrence > 0 ? `#${occurrence + 1}` : ""}`;
      // the nth occurrence of a template among the children is the nth node started for it
      const childNode = started.filter((n) => n.spec.templateName === target)[occurrence];
      out.edges.push({ from: id, to: childId, label });
      visit(target, childId, childNode, over && childNode === undefined, [...path, templateName]);
    }
  };
  visit(workflow.spec.entry, workflow.spec.entry, entryNode, false, []);
  // edges to occurrences that were not drawn (undefined templates, the cut) are left out
  const ids = new Set(out.nodes.map((n) => n.id));
  out.edges = out.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  return out;
}

/** A Workflow's phase: Invalid (its controller refused its templates), Running, Accomplished, Aborted, Held (kill switch) or Pending (no entry node yet). */
export type WorkflowPhase = "Pending" | "Running" | "Accomplished" | "Aborted" | "Held" | "Invalid";

const conditionIs = (conditions: readonly WorkflowCondition[] | undefined, type: WorkflowCondition["type"], status: WorkflowCondition["status"], reason?: string) =>
  (conditions ?? []).some((c) => c.type === type && c.status === status && (reason === undefined || c.reason === reason));

/** The Workflow's own phase, from its conditions (Scheduled=False InvalidEntry: Invalid, never started). */
export function workflowPhase(workflow: WorkflowView): WorkflowPhase {
  const conditions = workflow.status?.conditions;
  if (hasCondition(conditions, "Aborted")) return "Aborted";
  if (hasCondition(conditions, "Accomplished")) return "Accomplished";
  if (conditionIs(conditions, "Scheduled", "False", workflowReasons.invalidEntry)) return "Invalid";
  if (hasCondition(conditions, "KillSwitch")) return "Held";
  if (hasCondition(conditions, "Scheduled") || workflow.status?.entryNode) return "Running";
  return "Pending";
}

/** Why a Workflow stopped short, in words (its Invalid phase), or undefined. */
export function workflowProblem(workflow: WorkflowView): string | undefined {
  if (workflowPhase(workflow) !== "Invalid") return undefined;
  return `The Workflow controller refused to start it (Scheduled=False ${workflowReasons.invalidEntry}): its entry or templates are invalid; its Events say which.`;
}

export interface PlacedNode extends GraphNode {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge extends GraphEdge {
  points: { x: number; y: number }[];
  labelX?: number;
  labelY?: number;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

/** Each child left of its next sibling (same parent, the edges' order). */
function siblingOrder(edges: readonly GraphEdge[]): { left: string; right: string }[] {
  const last = new Map<string, string>();
  const out: { left: string; right: string }[] = [];
  for (const e of edges) {
    const previous = last.get(e.from);
    if (previous !== undefined) out.push({ left: previous, right: e.to });
    last.set(e.from, e.to);
  }
  return out;
}

/** Places the graph top to bottom with dagre; every box `nodeWidth`×`nodeHeight` (x, y: its centre). */
export function layoutWorkflowGraph(graph: WorkflowGraph, nodeWidth = 200, nodeHeight = 76): GraphLayout {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 30, ranksep: 50, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: nodeWidth, height: nodeHeight });
  graph.edges.forEach((e, i) => g.setEdge(e.from, e.to, e.label ? { label: e.label, width: Math.min(8 * e.label.length, 240), height: 16 } : {}, String(i)));
  // a parent's children left to right in their order (a Serial's "1" left of its "2"): dagre's own
  // crossing minimisation would otherwise place them as it likes (right to left for a plain Serial)
  layout(g, { constraints: siblingOrder(graph.edges) });
  const size = g.graph();
  return {
    width: Math.ceil(size.width ?? 0),
    height: Math.ceil(size.height ?? 0),
    nodes: graph.nodes.map((n) => {
      const placed = g.node(n.id);
      return { ...n, x: placed.x, y: placed.y, width: nodeWidth, height: nodeHeight };
    }),
    edges: graph.edges.map((e, i) => {
      const placed = g.edge({ v: e.from, w: e.to, name: String(i) }) as { points?: { x: number; y: number }[]; x?: number; y?: number };
      return { ...e, points: placed.points ?? [], ...(e.label && placed.x !== undefined ? { labelX: placed.x, labelY: placed.y } : {}) };
    }),
  };
}

/** "in 3m 20s" / "5s ago": how far a deadline is from now. */
export function relativeTime(at: string, now: Date): string {
  const ms = Date.parse(at) - now.getTime();
  if (Number.isNaN(ms)) return at;
  const text = formatDuration(Math.abs(ms));
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}
