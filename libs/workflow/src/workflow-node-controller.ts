import { controllerReference, isControlledBy, isObjectNotFound, workflowAbortAnnotation } from "@faultline/api";
import { embeddedChaos, embeddedChaosField } from "@faultline/chaos-kind";
import type { ManagedController, ObjectKey, ReconcileResult, WatchedResource } from "@faultline/controller";
import type { V1Pod } from "@kubernetes/client-node";
import { evaluateBranches, type ConditionalBranchStatus } from "./branch-expression.js";
import { CustomObjectStore, isAlreadyExists, type StoredObject } from "./custom-object-store.js";
import { childNodeName, labelValueOf } from "./node-names.js";
import { nodeDeadlineMs, nodeSpecOf } from "./node-spec.js";
import { childrenStep, hasCondition, isNodeFinished, taskResultRead, withCondition, type ChildState } from "./node-step.js";
import { taskPodOf, taskPodState, taskResultOf, taskStdoutLimitBytes } from "./task-pod.js";
import { findTemplate } from "./template-graph.js";
import type { WorkflowControllerDeps } from "./workflow-controller-deps.js";
import {
  controlledByLabel,
  scheduleResource,
  statusCheckResource,
  workflowLabel,
  workflowNodeResource,
  workflowReasons as reasons,
  workflowResource,
} from "./workflow-names.js";
import type { Workflow, WorkflowNode, WorkflowNodeCondition, WorkflowNodeStatus } from "./workflow-types.js";

/** The object a chaos, Schedule or StatusCheck node creates: where, of which kind, with which spec. */
interface NodeResource extends WatchedResource {
  spec: unknown;
}



/**
 * How often a Task node looks at its pod while the pod runs or stops. The node is not queued by
 * its pod's changes: that would take a second watch of every pod in the cluster beside the
 * manager's (trimmed) one, for a few pods at a time.
 */
export const taskPollMs = 1_000;

/** A StatusCheck's condition of `type` is True. */
const statusCheckCondition = (object: StoredObject | undefined, type: string) =>
  ((object?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === type && c.status === "True");

/**
 * The WorkflowNode controller: runs one node by its type, level-based, from what the API server
 * holds (its spec, its children, the object it created, its Workflow) and the clock:
 * - Serial and Parallel create their child nodes (deterministic names, owned by the node) and are
 *   Accomplished when every child is; at their deadline nothing new starts (the children's deadlines
 *   are clamped to it, so they stop with it);
 * - a chaos, Schedule or StatusCheck node creates its object (named after the node, owned by it)
 *   and deletes it at its deadline (DeadlineExceed, then Accomplished) or on abort (Aborted);
 *   a StatusCheck node is Accomplished when its check completes, and with `abortWithStatusCheck`
 *   a check past its failure threshold aborts the Workflow;
 * - Suspend is Accomplished at its deadline;
 * - Task runs its pod (named after the node, owned by it), reads the container's exit code and
 *   log once it ends, evaluates the conditional branches over them and starts every true branch
 *   at once (as a Parallel would); it is Accomplished when they have finished. At its deadline or
 *   on abort a pod still running is deleted (on abort, an ended one too) and no branch starts.
 */
export function createWorkflowNodeController(deps: WorkflowControllerDeps): ManagedController {
  const store = new CustomObjectStore(deps.customObjects);
  const now = deps.now ?? (() => new Date());
  const kinds = new Map(embeddedChaos(deps.kinds).map((e) => [e.kind, e]));
  const logger = deps.logger;

  const record = (node: WorkflowNode, type: "Normal" | "Warning", reason: string, message: string) =>
    deps.events.record(node, { type, reason, message });

  function resourceOf(node: WorkflowNode): NodeResource | undefined {
    const { type } = node.spec;
    if (type === "Schedule") return { ...scheduleResource, spec: node.spec.schedule ?? {} };
    if (type === "StatusCheck") return { ...statusCheckResource, spec: node.spec.statusCheck ?? {} };
    const kind = kinds.get(type);
    if (!kind) return undefined;
    const crd = kind.definition.crd;
    return { group: crd.spec.group, version: crd.spec.versions[0]!.name, plural: kind.plural, kind: type, spec: node.spec[embeddedChaosField(type)] ?? {} };
  }

  async function writeStatus(node: WorkflowNode, status: WorkflowNodeStatus): Promise<WorkflowNode> {
    if (JSON.stringify(status) === JSON.stringify(node.status ?? {})) return node;
    return store.replaceStatus(workflowNodeResource, { ...node, status });
  }

  /** Sets conditions, recording an Event for each one that turns True now. */
  function conditionsWith(node: WorkflowNode, conditions: WorkflowNodeCondition[] | undefined, changes: WorkflowNodeCondition[]): WorkflowNodeCondition[] {
    let next = conditions ?? [];
    for (const change of changes) {
      const before = next.find((c) => c.type === change.type);
      if (before?.status === change.status && before.reason === change.reason) continue;
      if (change.status === "True" && before?.status !== "True") {
        if (change.type === "Accomplished") void record(node, "Normal", reasons.nodeAccomplished, "node accomplished");
        if (change.type === "DeadlineExceed") void record(node, "Normal", change.reason, "deadline exceed");
        if (change.type === "Aborted") void record(node, "Normal", change.reason, `node aborted (${change.reason})`);
      }
      next = withCondition(next, change);
    }
    return next;
  }

  async function reconcileResourceNode(node: WorkflowNode, resource: NodeResource, stop: { aborted: string | undefined; deadlineExceeded: boolean }, deadlineMs: number | undefined, nowMs: number): Promise<ReconcileResult> {
    const namespace = node.metadata.namespace ?? "";
    const name = node.metadata.name ?? "";
    const isStatusCheck = node.spec.type === "StatusCheck";
    let aborted = stop.aborted;
    let completed = false;

    if (!aborted && !stop.deadlineExceeded && isStatusCheck) {
      const check = await store.get(resource, namespace, name);
      if (check && isControlledBy(check, node.metadata.uid)) {
        if (node.spec.abortWithStatusCheck === true && statusCheckCondition(check, "FailureThresholdExceed")) {
          // the check failed: abort the whole Workflow (every node reads the annotation through its condition)
          await store.annotate(workflowResource, namespace, node.spec.workflowName, { [workflowAbortAnnotation]: "true" });
          logger.info("status check failed, aborting the workflow", { component: "workflow", node: `${namespace}/${name}`, workflow: node.spec.workflowName });
          aborted = reasons.statusCheckFailed;
        } else if (statusCheckCondition(check, "Completed")) {
          completed = true;
        }
      }
    }

    if (aborted || stop.deadlineExceeded) {
      // stop: the object goes first (a chaos is recovered through its finalizer), then the conditions say so
      if (await store.deleteIfPresent(resource, namespace, name)) {
        void record(node, "Normal", isStatusCheck ? reasons.statusCheckDeleted : reasons.chaosCrDeleted, `${isStatusCheck ? "status check" : "chaos CR"} ${name} deleted`);
        logger.info("node's object deleted", { component: "workflow", node: `${namespace}/${name}`, kind: resource.kind, why: aborted ?? "deadline" });
      }
      const changes: WorkflowNodeCondition[] = [{ type: "ChaosInjected", status: "False", reason: isStatusCheck ? reasons.statusCheckDeleted : reasons.chaosCrDeleted }];
      if (aborted) changes.push({ type: "Aborted", status: "True", reason: aborted });
      else changes.push({ type: "DeadlineExceed", status: "True", reason: reasons.nodeDeadlineExceed }, { type: "Accomplished", status: "True", reason: reasons.nodeAccomplished });
      await writeStatus(node, { ...node.status, conditions: conditionsWith(node, node.status?.conditions, changes) });
      return {};
    }

    if (completed) {
      await writeStatus(node, {
        ...node.status,
        conditions: conditionsWith(node, node.status?.conditions, [{ type: "Accomplished", status: "True", reason: reasons.statusCheckCompleted }]),
      });
      return {};
    }

    // running: the object exists, owned by this node
    const body: StoredObject & { spec: unknown } = {
      apiVersion: `${resource.group}/${resource.version}`,
      kind: resource.kind,
      metadata: {
        name,
        namespace,
        labels: { [workflowLabel]: labelValueOf(node.spec.workflowName), [controlledByLabel]: name },
        ownerReferences: [controllerReference(node)],
      },
      spec: structuredClone(resource.spec),
    };
    const { object, created } = await store.createOrGet(resource, namespace, body);
    if (!created && !isControlledBy(object, node.metadata.uid)) {
      void record(node, "Warning", reasons.nameTaken, `a ${resource.kind} named ${name} exists and is not this node's`);
      return { requeueAfterMs: 30_000 };
    }
    if (created) {
      void record(node, "Normal", isStatusCheck ? reasons.statusCheckCreated : reasons.chaosCrCreated, `${isStatusCheck ? "status check" : "chaos CR"} ${name} created`);
      logger.info("node's object created", { component: "workflow", node: `${namespace}/${name}`, kind: resource.kind });
    }
    await writeStatus(node, {
      ...node.status,
      chaosResource: { apiGroup: resource.group, kind: resource.kind, name },
      conditions: conditionsWith(node, node.status?.conditions, [
        { type: "ChaosInjected", status: "True", reason: isStatusCheck ? reasons.statusCheckCreated : reasons.chaosCrCreated },
      ]),
    });
    return deadlineMs === undefined ? {} : { requeueAfterMs: Math.max(0, deadlineMs - nowMs) };
  }

  /**
   * Creates and follows a node's children: `children` in order, each a template and its node's
   * name; `type` says whether they run one after another or at once. Answers the node's status
   * with `activeChildren` and `finishedChildren` (the node itself is left as read, so the status
   * write compares against what the API server holds) and Accomplished once all have finished.
   */
  async function reconcileChildren(
    node: WorkflowNode,
    workflow: Workflow | undefined,
    type: "Serial" | "Parallel",
    children: readonly { template: string; name: string }[],
    base: WorkflowNodeStatus,
    stopped: boolean,
    deadlineMs: number | undefined,
    nowMs: number,
  ): Promise<{ status: WorkflowNodeStatus; changes: WorkflowNodeCondition[] }> {
    const namespace = node.metadata.namespace ?? "";
    const name = node.metadata.name ?? "";
    const templates = children.map((c) => c.template);
    const names = children.map((c) => c.name);
    const existing = new Map(
      (await store.list<WorkflowNode>(workflowNodeResource, namespace, `${controlledByLabel}=${name}`))
        .filter((child) => isControlledBy(child, node.metadata.uid))
        .map((child) => [child.metadata.name ?? "", child]),
    );
    const states: ChildState[] = names.map((n) => {
      const child = existing.get(n);
      return child === undefined ? "missing" : isNodeFinished(child.status) ? "finished" : "running";
    });
    const step = childrenStep(type, states, stopped || workflow === undefined);
    const spawned: string[] = [];
    for (const index of step.spawn) {
      const template = findTemplate(workflow!.spec, templates[index]!);
      if (!template) {
        void record(node, "Warning", reasons.templateNotFound, `template ${templates[index]} is not in workflow ${node.spec.workflowName}`);
        continue;
      }
      const child: WorkflowNode = {
        apiVersion: node.apiVersion,
        kind: "WorkflowNode",
        metadata: {
          name: names[index]!,
          namespace,
          labels: { [workflowLabel]: labelValueOf(node.spec.workflowName), [controlledByLabel]: name },
          ownerReferences: [controllerReference(node)],
        },
        spec: nodeSpecOf(template, node.spec.workflowName, nowMs, deadlineMs),
      };
      const { object, created } = await store.createOrGet(workflowNodeResource, namespace, child);
      existing.set(names[index]!, object);
      states[index] = "running";
      if (created) spawned.push(names[index]!);
    }
    if (spawned.length > 0) {
      void record(node, "Normal", reasons.nodesCreated, `child nodes created, ${spawned.join(",")}`);
      logger.info("child nodes created", { component: "workflow", node: `${namespace}/${name}`, children: spawned });
    }
    const activeChildren = names.filter((_, i) => states[i] === "running").map((n) => ({ name: n }));
    const finishedChildren = names.filter((_, i) => states[i] === "finished").map((n) => ({ name: n }));
    const status: WorkflowNodeStatus = { ...base, activeChildren, finishedChildren };
    if (activeChildren.length === 0) delete status.activeChildren;
    if (finishedChildren.length === 0) delete status.finishedChildren;
    return { status, changes: step.accomplished && spawned.length === 0 ? [{ type: "Accomplished", status: "True", reason: reasons.nodeAccomplished }] : [] };
  }

  const pods = deps.core;

  async function getPod(namespace: string, name: string): Promise<V1Pod | undefined> {
    try {
      return await pods.readNamespacedPod({ namespace, name });
    } catch (error) {
      if (isObjectNotFound(error, name)) return undefined;
      throw error;
    }
  }

  /** The API server's message of a refused request, or the error's. */
  const messageOf = (error: unknown) => {
    const body = (error as { body?: unknown }).body;
    try {
      const parsed = (typeof body === "string" ? JSON.parse(body) : body) as { message?: string } | undefined;
      if (parsed?.message) return parsed.message;
    } catch {
      // not a Status
    }
    return error instanceof Error ? error.message : String(error);
  };

  /**
   * A Task node: its pod, its result, its branches. Level-based like every node: the pod's name is
   * the node's, and `conditionalBranchesStatus.context` says the result has been read, so a
   * restarted manager neither runs the container twice nor evaluates the branches twice.
   */
  async function reconcileTaskNode(node: WorkflowNode, workflow: Workflow | undefined, aborted: string | undefined, deadlineExceeded: boolean, deadlineMs: number | undefined, nowMs: number): Promise<ReconcileResult> {
    const namespace = node.metadata.namespace ?? "";
    const name = node.metadata.name ?? "";
    const where = { component: "workflow", node: `${namespace}/${name}` };
    const task = node.spec.task;
    const branches = node.spec.conditionalBranches ?? [];
    const stopped = aborted !== undefined || deadlineExceeded;
    const changes: WorkflowNodeCondition[] = [];
    if (aborted) changes.push({ type: "Aborted", status: "True", reason: aborted });
    else if (deadlineExceeded) changes.push({ type: "DeadlineExceed", status: "True", reason: reasons.nodeDeadlineExceed });
    let status: WorkflowNodeStatus = { ...node.status };
    const unknown = (): ConditionalBranchStatus[] => branches.map(({ target }) => ({ target, evaluationResult: "Unknown" }));

    // once the result is read the pod only matters to an abort, which deletes it
    let pod = taskResultRead(status) && !aborted ? undefined : await getPod(namespace, name);
    if (pod && !isControlledBy(pod, node.metadata.uid)) {
      void record(node, "Warning", reasons.nameTaken, `a pod named ${name} exists and is not this node's`);
      return { requeueAfterMs: 30_000 };
    }
    let podRunning = false;
    if (!taskResultRead(status)) {
      if (!task) {
        // admission requires spec.task: only a node written by hand lacks it
        status.conditionalBranchesStatus = { branches: unknown(), context: ["the node has no spec.task: nothing to run"] };
        void record(node, "Warning", reasons.taskPodSpawnFailed, "the node has no spec.task: nothing to run");
      } else if (!pod && !stopped) {
        try {
          pod = await pods.createNamespacedPod({ namespace, body: taskPodOf(node) });
          void record(node, "Normal", reasons.taskPodSpawned, `task pod ${name} created`);
          logger.info("task pod created", { ...where, image: task.container.image });
        } catch (error) {
          if (isAlreadyExists(error)) return { requeueAfterMs: taskPollMs }; // created in between: read it next time
          const code = (error as { code?: unknown }).code;
          if (code !== 422 && code !== 400) {
            // retried with backoff: a 403 (RBAC, a namespace's default ServiceAccount not made yet,
            // Pod Security admission) may be fixed without touching the Workflow
            void record(node, "Warning", reasons.taskPodSpawnFailed, `creating task pod ${name}: ${messageOf(error)}`);
            throw error;
          }
          // the API server refused the container as written: no retry can change that, so the Task ends, no branch taken
          const message = `the task pod was refused: ${messageOf(error)}`;
          status.conditionalBranchesStatus = { branches: unknown(), context: [message] };
          void record(node, "Warning", reasons.taskPodSpawnFailed, message);
          logger.warn("task pod refused", { ...where, error: messageOf(error) });
        }
        if (pod) {
          podRunning = true;
          status.conditionalBranchesStatus = { branches: unknown() };
        }
      } else if (pod) {
        const state = taskPodState(pod, task.container.name);
        if (state.state === "running") podRunning = true;
        else if (!aborted && !pod.metadata?.deletionTimestamp) {
          // a container that ended on its own has a result, read even just past the deadline
          // (one that ended because its pod was deleted, at the deadline or by anyone, has none)
          if (state.state === "ended") {
            const log = await pods.readNamespacedPodLog({ namespace, name, container: task.container.name, limitBytes: taskStdoutLimitBytes + 1 });
            const { result, truncated } = taskResultOf(state.exitCode, log);
            const evaluated = evaluateBranches(branches, result);
            if (truncated) evaluated.context.push(`stdout was cut at ${taskStdoutLimitBytes} bytes`);
            status.conditionalBranchesStatus = evaluated;
            void record(node, "Normal", reasons.taskPodCompleted, `task pod ${name} ended with exit code ${state.exitCode}`);
          } else {
            status.conditionalBranchesStatus = { branches: unknown(), context: [state.reason] };
            void record(node, "Warning", reasons.taskPodCompleted, state.reason);
          }
          const selected = (status.conditionalBranchesStatus.branches ?? []).filter((b) => b.evaluationResult === "True").map((b) => b.target);
          void record(node, "Normal", reasons.conditionalBranchesSelected, `selected branches: ${selected.join(",") || "none"}`);
          logger.info("task pod ended, branches evaluated", { ...where, selected, context: status.conditionalBranchesStatus.context });
        }
      }
    }

    // stop: a pod still running at the deadline, and on abort any pod, is deleted
    if (pod && (aborted || (stopped && podRunning)) && !pod.metadata?.deletionTimestamp) {
      try {
        await pods.deleteNamespacedPod({ namespace, name, propagationPolicy: "Background" });
        void record(node, "Normal", reasons.taskPodDeleted, `task pod ${name} deleted`);
        logger.info("task pod deleted", { ...where, why: aborted ?? "deadline" });
      } catch (error) {
        if (!isObjectNotFound(error, name)) throw error;
        podRunning = false;
      }
    }

    let accomplished = false;
    if (!podRunning) {
      if (taskResultRead(status)) {
        // every true branch at once, named after its place in conditionalBranches
        const children = (status.conditionalBranchesStatus?.branches ?? []).flatMap((branch, index) =>
          branch.evaluationResult === "True" ? [{ template: branch.target, name: childNodeName(node.spec.workflowName, name, index, branch.target) }] : [],
        );
        const followed = await reconcileChildren(node, workflow, "Parallel", children, status, stopped, deadlineMs, nowMs);
        status = followed.status; // with activeChildren and finishedChildren
        accomplished = followed.changes.length > 0;
      } else {
        accomplished = stopped; // stopped before the pod ended: no branch runs
      }
    }
    if (accomplished) changes.push({ type: "Accomplished", status: "True", reason: reasons.nodeAccomplished });
    await writeStatus(node, { ...status, conditions: conditionsWith(node, status.conditions, changes) });
    if (accomplished) return {};
    // the pod runs, stops, or was deleted by someone before its result was read (it runs again once gone)
    const waitingForPod = podRunning || (pod !== undefined && !taskResultRead(status));
    if (waitingForPod) return { requeueAfterMs: deadlineMs === undefined || stopped ? taskPollMs : Math.max(0, Math.min(taskPollMs, deadlineMs - nowMs)) };
    return deadlineMs === undefined || stopped ? {} : { requeueAfterMs: Math.max(0, deadlineMs - nowMs) };
  }

  async function reconcile(key: ObjectKey): Promise<ReconcileResult> {
    const node = await store.get<WorkflowNode>(workflowNodeResource, key.namespace, key.name);
    if (!node || node.metadata.deletionTimestamp) return {};
    const status = node.status ?? {};
    const resource = resourceOf(node);
    // over: Accomplished is written last, after the node cleaned up; an Aborted written by the
    // Workflow controller still needs this node to delete its object (ChaosInjected False says it did)
    if (hasCondition(status, "Accomplished")) return {};
    // (a Task goes on after Aborted until its pod has stopped: Accomplished says it has)
    if (hasCondition(status, "Aborted") && node.spec.type !== "Task" && (resource === undefined || status.conditions?.some((c) => c.type === "ChaosInjected" && c.status === "False"))) return {};

    const workflow = await store.get<Workflow>(workflowResource, key.namespace, node.spec.workflowName);
    const nowMs = now().getTime();
    const deadlineMs = nodeDeadlineMs(node.spec);
    const deadlineExceeded = deadlineMs !== undefined && nowMs >= deadlineMs;
    const abortedBy = status.conditions?.find((c) => c.type === "Aborted" && c.status === "True")?.reason;
    const aborted =
      abortedBy ?? (workflow === undefined || workflow.metadata.annotations?.[workflowAbortAnnotation] === "true" ? reasons.workflowAborted : undefined);
    const untilDeadline = deadlineMs === undefined || deadlineExceeded ? {} : { requeueAfterMs: Math.max(0, deadlineMs - nowMs) };
    // the kill switch holds every node as it is (nothing created, nothing advanced) until it is
    // off, when every node is queued again; an abort still goes through
    if (deps.killSwitch?.().engaged === true && aborted === undefined) return {};

    if (resource) return reconcileResourceNode(node, resource, { aborted, deadlineExceeded }, deadlineMs, nowMs);
    if (node.spec.type === "Task") return reconcileTaskNode(node, workflow, aborted, deadlineExceeded, deadlineMs, nowMs);

    const changes: WorkflowNodeCondition[] = [];
    if (aborted) changes.push({ type: "Aborted", status: "True", reason: aborted });
    else if (deadlineExceeded) changes.push({ type: "DeadlineExceed", status: "True", reason: reasons.nodeDeadlineExceed });

    let next: WorkflowNodeStatus = { ...node.status };
    switch (node.spec.type) {
      case "Suspend":
        if (!aborted && deadlineExceeded) changes.push({ type: "Accomplished", status: "True", reason: reasons.nodeAccomplished });
        break;
      case "Serial":
      case "Parallel": {
        const children = (node.spec.children ?? []).map((template, i) => ({ template, name: childNodeName(node.spec.workflowName, key.name, i, template) }));
        const followed = await reconcileChildren(node, workflow, node.spec.type, children, next, aborted !== undefined || deadlineExceeded, deadlineMs, nowMs);
        next = followed.status;
        changes.push(...followed.changes);
        break;
      }
      default:
        logger.warn("workflow node of an unknown type", { component: "workflow", node: `${key.namespace}/${key.name}`, type: node.spec.type });
        return {};
    }
    // a Serial or Parallel past its deadline is DeadlineExceed (finished, for its parent) while its
    // children stop with it, and Accomplished once they have
    await writeStatus(node, { ...next, conditions: conditionsWith(node, next.conditions, changes) });
    return aborted ? {} : untilDeadline;
  }

  return {
    name: "workflownodes",
    resource: workflowNodeResource,
    owns: [workflowNodeResource, scheduleResource, statusCheckResource, ...embeddedChaos(deps.kinds).map(({ kind, plural, definition }) => ({ group: definition.crd.spec.group, version: definition.crd.spec.versions[0]!.name, plural, kind }))],
    reconcile,
  };
}
