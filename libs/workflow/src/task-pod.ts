import { controllerReference } from "@faultline/api";
import type { V1Pod } from "@kubernetes/client-node";
import type { TaskResult } from "./branch-expression.js";
import { labelValueOf } from "./node-names.js";
import { controlledByLabel, workflowLabel } from "./workflow-names.js";
import type { WorkflowNode } from "./workflow-types.js";

/** How much of a Task container's log is read: the rest is cut (the context says so). */
export const taskStdoutLimitBytes = 16 * 1024;

/**
 * The pod a Task node runs: named after the node (so a restarted manager finds it, never makes a
 * second), in the node's namespace, owned by the node (the garbage collector deletes it with the
 * Workflow), labelled with the Workflow and the node, `restartPolicy: Never`, with the template's
 * container and volumes unchanged.
 *
 * @example
 * taskPodOf(node).spec // { restartPolicy: "Never", containers: [node.spec.task.container], volumes: [...] }
 */
export function taskPodOf(node: WorkflowNode): V1Pod {
  const task = node.spec.task;
  if (!task) throw new Error(`WorkflowNode ${node.metadata.namespace}/${node.metadata.name} is a Task without spec.task`);
  const name = node.metadata.name ?? "";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: node.metadata.namespace ?? "",
      labels: { [workflowLabel]: labelValueOf(node.spec.workflowName), [controlledByLabel]: name },
      ownerReferences: [controllerReference(node)],
    },
    spec: {
      restartPolicy: "Never",
      containers: [structuredClone(task.container)],
      ...(task.volumes && task.volumes.length > 0 && { volumes: structuredClone(task.volumes) }),
    },
  };
}

/** Where a Task's pod stands. */
export type TaskPodState =
  /** Pending, running, or being deleted with its container still running. */
  | { state: "running" }
  /** The container has ended with this exit code. */
  | { state: "ended"; exitCode: number }
  /** The pod ended without its container ever running (rejected by the kubelet, evicted, …). */
  | { state: "failed"; reason: string };

/**
 * Where a Task's pod stands, from its status: ended once its container (named `container`) has
 * terminated, failed when the pod ended without it, running otherwise.
 *
 * @example
 * taskPodState({ status: { phase: "Succeeded", containerStatuses: [{ name: "c", state: { terminated: { exitCode: 0 } } }] } }, "c") // { state: "ended", exitCode: 0 }
 */
export function taskPodState(pod: Pick<V1Pod, "status">, container: string): TaskPodState {
  const status = pod.status?.containerStatuses?.find((c) => c.name === container);
  const terminated = status?.state?.terminated;
  if (terminated) return { state: "ended", exitCode: terminated.exitCode };
  const phase = pod.status?.phase;
  if (phase === "Failed" || phase === "Succeeded") {
    const why = [pod.status?.reason, pod.status?.message].filter(Boolean).join(": ");
    return { state: "failed", reason: `the pod ended (phase ${phase}${why ? `, ${why}` : ""}) without its container ${container} running` };
  }
  return { state: "running" };
}

/**
 * A Task's result from its container's exit code and log (read with a limit of
 * {@link taskStdoutLimitBytes}): the log cut to the limit at a character boundary, then trimmed of
 * surrounding whitespace as Chaos Mesh trims it (`echo ok` leaves `"ok"`); `truncated` says it was cut.
 *
 * @example
 * taskResultOf(0, "branch-b\n") // { result: { exitCode: 0, stdout: "branch-b" }, truncated: false }
 */
export function taskResultOf(exitCode: number, log: string, limitBytes = taskStdoutLimitBytes): { result: TaskResult; truncated: boolean } {
  const bytes = Buffer.from(log, "utf8");
  const truncated = bytes.length > limitBytes;
  // a cut inside a multi-byte character decodes to U+FFFD: drop it
  const kept = truncated ? bytes.subarray(0, limitBytes).toString("utf8").replace(/\uFFFD$/, "") : log;
  return { result: { exitCode, stdout: kept.trim() }, truncated };
}
