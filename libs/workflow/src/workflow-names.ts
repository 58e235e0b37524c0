import { chaosGroup, chaosVersion } from "@faultline/api";
import type { WatchedResource } from "@faultline/controller";

/** The label naming the Workflow a node (or a node's chaos, Schedule or StatusCheck) belongs to. */
export const workflowLabel = "chaos-mesh.org/workflow";

/** The label naming what a node was spawned by: its Workflow (the entry node) or its parent node. */
export const controlledByLabel = "chaos-mesh.org/controlled-by";

/** The Workflow resource, as the controllers watch it. */
export const workflowResource: WatchedResource = { group: chaosGroup, version: chaosVersion, plural: "workflows", kind: "Workflow" };

/** The WorkflowNode resource, as the controllers watch it. */
export const workflowNodeResource: WatchedResource = { group: chaosGroup, version: chaosVersion, plural: "workflownodes", kind: "WorkflowNode" };

/** The Schedule resource a Schedule node creates (its CRD comes from the Schedule library). */
export const scheduleResource: WatchedResource = { group: chaosGroup, version: chaosVersion, plural: "schedules", kind: "Schedule" };

/** The StatusCheck resource a StatusCheck node creates (its CRD comes from the StatusCheck library). */
export const statusCheckResource: WatchedResource = { group: chaosGroup, version: chaosVersion, plural: "statuschecks", kind: "StatusCheck" };

/** Template types that are not chaos kinds; `Task` runs a user's container and picks the branches to run next from its result. */
export const controlTemplateTypes = ["Serial", "Parallel", "Suspend", "Schedule", "StatusCheck", "Task"] as const;

/** The condition types of a WorkflowNode (Chaos Mesh's names). */
export type WorkflowNodeConditionType = "Accomplished" | "DeadlineExceed" | "ChaosInjected" | "Aborted";

/**
 * The condition types of a Workflow: Chaos Mesh's `Scheduled` and `Accomplished`, and Faultline's
 * `Aborted` (the abort path ended it) and `KillSwitch` (True while the kill switch holds it: no node starts).
 */
export type WorkflowConditionType = "Scheduled" | "Accomplished" | "Aborted" | "KillSwitch";

/**
 * The reasons Faultline writes in conditions and Events, Chaos Mesh's strings where it has them.
 */
export const workflowReasons = {
  entryCreated: "EntryCreated",
  invalidEntry: "InvalidEntry",
  nodesCreated: "NodesCreated",
  nodeAccomplished: "NodeAccomplished",
  nodeDeadlineExceed: "NodeDeadlineExceed",
  parentNodeDeadlineExceed: "ParentNodeDeadlineExceed",
  chaosCrCreated: "ChaosCRCreated",
  chaosCrCreateFailed: "ChaosCRCreateFailed",
  chaosCrDeleted: "ChaosCRDeleted",
  statusCheckCreated: "StatusCheckCreated",
  statusCheckDeleted: "StatusCheckDeleted",
  statusCheckCompleted: "StatusCheckCompleted",
  statusCheckFailed: "StatusCheckFailed",
  workflowAccomplished: "WorkflowAccomplished",
  workflowAborted: "WorkflowAborted",
  parentNodeAborted: "ParentNodeAborted",
  templateNotFound: "TemplateNotFound",
  nameTaken: "NameTaken",
  taskPodSpawned: "TaskPodSpawned",
  taskPodSpawnFailed: "TaskPodSpawnFailed",
  taskPodCompleted: "TaskPodCompleted",
  taskPodDeleted: "TaskPodDeleted",
  conditionalBranchesSelected: "ConditionalBranchesSelected",
} as const;
