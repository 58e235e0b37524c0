import { controllerReference, killSwitchReason, workflowAbortAnnotation } from "@faultline/api";
import type { ManagedController, ObjectKey, ReconcileResult } from "@faultline/controller";
import { CustomObjectStore } from "./custom-object-store.js";
import { entryNodeName, labelValueOf } from "./node-names.js";
import { nodeSpecOf } from "./node-spec.js";
import { hasCondition, isNodeFinished, taskResultRead, withCondition } from "./node-step.js";
import { findTemplate, templateGraphErrors } from "./template-graph.js";
import type { WorkflowControllerDeps } from "./workflow-controller-deps.js";
import { controlledByLabel, workflowLabel, workflowNodeResource, workflowReasons as reasons, workflowResource } from "./workflow-names.js";
import type { Workflow, WorkflowCondition, WorkflowNode, WorkflowStatus } from "./workflow-types.js";

/** How often a running Workflow refreshes `status.activeNodes` (its nested nodes do not queue it). */
export const activeNodesRefreshMs = 5_000;

/**
 * A node is settled when nothing of it runs any more: Accomplished (written last, after its
 * object is deleted, its check completed or its Task pod stopped), or over with no object left
 * (ChaosInjected not True; a Task's pod is only known stopped once it is Accomplished).
 */
const settled = (node: WorkflowNode) =>
  hasCondition(node.status, "Accomplished") || (node.spec.type !== "Task" && isNodeFinished(node.status) && !hasCondition(node.status, "ChaosInjected"));

/** A node that does the work itself (not through children): a leaf, or a Task whose pod has not ended. */
const running = (node: WorkflowNode) =>
  !isNodeFinished(node.status) && (node.spec.type === "Task" ? !taskResultRead(node.status) : node.spec.type !== "Serial" && node.spec.type !== "Parallel");

/** The Workflow's conditions with `type` set, keeping `startTime` while the status stays the same. */
function setCondition(conditions: WorkflowCondition[], type: WorkflowCondition["type"], status: "True" | "False", reason: string, at: string): WorkflowCondition[] {
  const before = conditions.find((c) => c.type === type);
  if (before && before.status === status && (before.reason ?? "") === reason) return conditions;
  const next: WorkflowCondition = { type, status, ...(reason && { reason }), startTime: before?.status === status && before.startTime ? before.startTime : at };
  return [...conditions.filter((c) => c.type !== type), next];
}

/**
 * The Workflow controller: checks the templates as a graph (no template may contain itself),
 * creates the entry node (a deterministic name, owned by the Workflow), and keeps the status:
 * `entryNode`, `startTime`, `endTime`, conditions Scheduled and Accomplished (True once the entry
 * node has finished and every node has cleaned up), and `activeNodes`. On the abort annotation it
 * marks every unfinished node Aborted (each node then deletes its chaos, Schedule or StatusCheck)
 * and ends the Workflow once they have: Aborted True, Accomplished True with reason Aborted.
 */
export function createWorkflowController(deps: WorkflowControllerDeps): ManagedController {
  const store = new CustomObjectStore(deps.customObjects);
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger;
  const record = (workflow: Workflow, type: "Normal" | "Warning", reason: string, message: string) =>
    deps.events.record(workflow, { type, reason, message });

  async function writeStatus(workflow: Workflow, status: WorkflowStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(workflow.status ?? {})) return;
    await store.replaceStatus(workflowResource, { ...workflow, status });
  }

  async function reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const workflow = await store.get<Workflow>(workflowResource, key.namespace, key.name);
    if (!workflow || workflow.metadata.deletionTimestamp) return {};
    const at = now();
    const nowIso = at.toISOString();
    let status: WorkflowStatus = structuredClone(workflow.status ?? {});
    let conditions = status.conditions ?? [];
    const ended = conditions.some((c) => c.type === "Accomplished" && c.status === "True");
    if (ended) return {};
    const aborted = workflow.metadata.annotations?.[workflowAbortAnnotation] === "true";
    const held = deps.killSwitch?.().engaged === true && !aborted;
    if (held) conditions = setCondition(conditions, "KillSwitch", "True", killSwitchReason, nowIso);
    else if (conditions.some((c) => c.type === "KillSwitch")) conditions = setCondition(conditions, "KillSwitch", "False", "Disengaged", nowIso);

    const errors = templateGraphErrors(workflow.spec);
    if (errors.length > 0) {
      if (!conditions.some((c) => c.type === "Scheduled" && c.reason === reasons.invalidEntry)) {
        void record(workflow, "Warning", reasons.invalidEntry, `failed to spawn new entry node of workflow, entry: ${workflow.spec.entry}: ${errors.join("; ")}`);
      }
      conditions = setCondition(conditions, "Scheduled", "False", reasons.invalidEntry, nowIso);
      await writeStatus(workflow, { ...status, conditions });
      return {};
    }

    const namespace = key.namespace;
    const entryName = entryNodeName({ name: key.name, uid: workflow.metadata.uid ?? "" }, workflow.spec.entry);
    let entry = await store.get<WorkflowNode>(workflowNodeResource, namespace, entryName);
    if (!entry && !aborted && !held) {
      const template = findTemplate(workflow.spec, workflow.spec.entry)!;
      const created = await store.createOrGet<WorkflowNode>(workflowNodeResource, namespace, {
        apiVersion: workflow.apiVersion,
        kind: "WorkflowNode",
        metadata: {
          name: entryName,
          namespace,
          labels: { [workflowLabel]: labelValueOf(key.name), [controlledByLabel]: labelValueOf(key.name) },
          ownerReferences: [controllerReference(workflow)],
        },
        spec: nodeSpecOf(template, key.name, at.getTime(), undefined),
      });
      entry = created.object;
      if (created.created) {
        void record(workflow, "Normal", reasons.entryCreated, `entry node created, entry node ${entryName}`);
        logger.info("entry node created", { component: "workflow", workflow: `${namespace}/${key.name}`, node: entryName });
      }
    }

    const nodes = (await store.list<WorkflowNode>(workflowNodeResource, namespace, `${workflowLabel}=${labelValueOf(key.name)}`)).filter(
      (n) => n.spec.workflowName === key.name,
    );
    if (aborted) {
      for (const node of nodes) {
        if (isNodeFinished(node.status)) continue;
        const nodeConditions = withCondition(node.status?.conditions, { type: "Aborted", status: "True", reason: reasons.workflowAborted });
        await store.replaceStatus(workflowNodeResource, { ...node, status: { ...node.status, conditions: nodeConditions } });
        node.status = { ...node.status, conditions: nodeConditions };
      }
    }

    status.startTime ??= entry?.spec.startTime ?? nowIso;
    if (entry) {
      status.entryNode = entryName;
      conditions = setCondition(conditions, "Scheduled", "True", "", nowIso);
    }
    const active = nodes
      .filter(running)
      .sort((a, b) => a.spec.startTime.localeCompare(b.spec.startTime) || (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""))
      .map((n) => n.metadata.name ?? "");
    if (active.length > 0) status.activeNodes = active;
    else delete status.activeNodes;

    const allSettled = nodes.every(settled);
    let endsNow = false;
    if (aborted && allSettled) {
      conditions = setCondition(conditions, "Aborted", "True", reasons.workflowAborted, nowIso);
      conditions = setCondition(conditions, "Accomplished", "True", "Aborted", nowIso);
      void record(workflow, "Normal", reasons.workflowAborted, "workflow aborted");
      endsNow = true;
    } else if (entry && isNodeFinished(entry.status) && !hasCondition(entry.status, "Aborted") && allSettled) {
      conditions = setCondition(conditions, "Accomplished", "True", reasons.workflowAccomplished, nowIso);
      void record(workflow, "Normal", reasons.workflowAccomplished, "workflow accomplished");
      endsNow = true;
    } else {
      conditions = setCondition(conditions, "Accomplished", "False", "", nowIso);
    }
    if (endsNow) {
      status.endTime = nowIso;
      delete status.activeNodes;
      logger.info(aborted ? "workflow aborted" : "workflow accomplished", { component: "workflow", workflow: `${namespace}/${key.name}` });
    }
    status = { ...status, conditions };
    await writeStatus(workflow, status);
    return endsNow ? {} : { requeueAfterMs: activeNodesRefreshMs };
  }

  return { name: "workflows", resource: workflowResource, owns: [workflowNodeResource], reconcile };
}
