import type { WorkflowNodeCondition, WorkflowNodeStatus } from "./workflow-types.js";
import type { WorkflowNodeConditionType } from "./workflow-names.js";

/** Whether a node's condition of `type` is True. */
export function hasCondition(status: WorkflowNodeStatus | undefined, type: WorkflowNodeConditionType): boolean {
  return status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
}

/**
 * Whether a node is over: Accomplished, past its deadline (Chaos Mesh counts DeadlineExceed as
 * finished), or Aborted. A finished node's chaos, Schedule or StatusCheck is already deleted.
 */
export function isNodeFinished(status: WorkflowNodeStatus | undefined): boolean {
  return hasCondition(status, "Accomplished") || hasCondition(status, "DeadlineExceed") || hasCondition(status, "Aborted");
}

/**
 * Whether a Task node has read its pod's result: its branches are evaluated (or the pod could not
 * run), and `conditionalBranchesStatus.context` holds the result. Set once, never undone.
 */
export function taskResultRead(status: WorkflowNodeStatus | undefined): boolean {
  return (status?.conditionalBranchesStatus?.context?.length ?? 0) > 0;
}

/** The conditions with `condition` set (replacing one of the same type), in a stable order. */
export function withCondition(conditions: readonly WorkflowNodeCondition[] | undefined, condition: WorkflowNodeCondition): WorkflowNodeCondition[] {
  const others = (conditions ?? []).filter((c) => c.type !== condition.type);
  return [...others, condition];
}

/** Where one child of a Serial or Parallel node stands. */
export type ChildState = "missing" | "running" | "finished";

/** What a Serial or Parallel node does next. */
export interface ChildrenStep {
  /** Indexes of the children to create now. */
  spawn: number[];
  /** Every child has finished. */
  accomplished: boolean;
}

/**
 * The next step of a Serial or Parallel node from its children's states, in the template's order:
 * Serial creates the first missing child once every child before it has finished; Parallel creates
 * every missing child; either is accomplished when all have finished. After the deadline or an
 * abort (`stopped`) nothing new starts, and the node is over once the running children are.
 *
 * @example
 * childrenStep("Serial", ["finished", "missing", "missing"]) // { spawn: [1], accomplished: false }
 */
export function childrenStep(type: "Serial" | "Parallel", children: readonly ChildState[], stopped = false): ChildrenStep {
  if (stopped) return { spawn: [], accomplished: children.every((c) => c !== "running") };
  if (type === "Parallel") {
    return { spawn: children.flatMap((c, i) => (c === "missing" ? [i] : [])), accomplished: children.every((c) => c === "finished") };
  }
  const next = children.findIndex((c) => c !== "finished");
  if (next < 0) return { spawn: [], accomplished: true };
  return { spawn: children[next] === "missing" ? [next] : [], accomplished: false };
}

/**
 * A child's absolute deadline: its start plus its template's deadline, never later than its
 * parent's (so a Serial or Parallel deadline stops every child with it); undefined when neither
 * sets one.
 */
export function childDeadlineMs(startMs: number, templateDeadlineMs: number | undefined, parentDeadlineMs: number | undefined): number | undefined {
  const own = templateDeadlineMs === undefined ? undefined : startMs + templateDeadlineMs;
  if (own === undefined) return parentDeadlineMs;
  if (parentDeadlineMs === undefined) return own;
  return Math.min(own, parentDeadlineMs);
}
