import type { ChaosObjectMeta, OwnerReference } from "@faultline/api";
import type { V1Container, V1Volume } from "@kubernetes/client-node";
import type { ConditionalBranch, ConditionalBranchStatus } from "./branch-expression.js";
import type { WorkflowConditionType, WorkflowNodeConditionType } from "./workflow-names.js";

/**
 * One template of a Workflow (Chaos Mesh's `Template`): its name, its type, and the sub-spec of
 * that type. A chaos template carries its kind's spec under the kind's lowerCamel field
 * (`podChaos: {…}`), which the index signature holds.
 */
export interface WorkflowTemplate {
  name: string;
  /** Serial | Parallel | Suspend | Schedule | StatusCheck | Task | a chaos kind, e.g. "PodChaos". */
  templateType: string;
  /** A Go duration: how long the node may run (for a chaos node: how long its chaos runs). */
  deadline?: string;
  /** Serial and Parallel: the templates to run, by name. */
  children?: string[];
  /** Schedule: a Schedule's spec (Chaos Mesh's `ChaosOnlyScheduleSpec`). */
  schedule?: { [key: string]: unknown };
  /** StatusCheck: a StatusCheck's spec. */
  statusCheck?: { [key: string]: unknown };
  /** StatusCheck: abort the whole Workflow when the check exceeds its failure threshold. */
  abortWithStatusCheck?: boolean;
  /** Task: the container to run in a pod (and the volumes it mounts). */
  task?: TaskSpec;
  /** Task: the templates to run next, each when its expression over the container's exit code and output is true. */
  conditionalBranches?: ConditionalBranch[];
  [embeddedChaosField: string]: unknown;
}

/** A Task template's pod (Chaos Mesh's `Task`): one container, and the volumes it may mount. */
export interface TaskSpec {
  container: V1Container;
  volumes?: V1Volume[];
}

/** The spec of a Workflow: the entry template's name and the templates. */
export interface WorkflowSpec {
  entry: string;
  templates: WorkflowTemplate[];
}

/** A condition of a Workflow. */
export interface WorkflowCondition {
  type: WorkflowConditionType;
  status: "True" | "False" | "Unknown";
  reason?: string;
  startTime?: string;
}

/** The status of a Workflow (Chaos Mesh's fields, plus `activeNodes`: the nodes running now, for `kubectl get`). */
export interface WorkflowStatus {
  entryNode?: string;
  startTime?: string;
  endTime?: string;
  conditions?: WorkflowCondition[];
  activeNodes?: string[];
}

/** A `chaos-mesh.org/v1alpha1` Workflow. */
export interface Workflow {
  apiVersion: string;
  kind: "Workflow";
  metadata: ChaosObjectMeta & { ownerReferences?: OwnerReference[] };
  spec: WorkflowSpec;
  status?: WorkflowStatus;
}

/** A reference from an owned object to its owner (`@faultline/api`'s). */
export type { OwnerReference };

/**
 * The spec of a WorkflowNode (Chaos Mesh's names): which template of which Workflow it runs, when
 * it started and its absolute deadline, and a copy of the template's sub-spec.
 */
export interface WorkflowNodeSpec {
  templateName: string;
  workflowName: string;
  type: string;
  startTime: string;
  /** Absolute: the start plus the template's deadline, never later than the parent node's deadline. */
  deadline?: string;
  children?: string[];
  schedule?: { [key: string]: unknown };
  statusCheck?: { [key: string]: unknown };
  abortWithStatusCheck?: boolean;
  task?: TaskSpec;
  conditionalBranches?: ConditionalBranch[];
  [embeddedChaosField: string]: unknown;
}

/** A condition of a WorkflowNode. */
export interface WorkflowNodeCondition {
  type: WorkflowNodeConditionType;
  status: "True" | "False" | "Unknown";
  reason: string;
}

/** The status of a WorkflowNode (Chaos Mesh's names). */
export interface WorkflowNodeStatus {
  /** The chaos object, Schedule or StatusCheck the node created. */
  chaosResource?: { apiGroup: string; kind: string; name: string };
  activeChildren?: { name: string }[];
  finishedChildren?: { name: string }[];
  /**
   * A Task node's branches (Chaos Mesh's `ConditionalBranchesStatus`): each Unknown while the pod
   * runs, then True, False or Unknown (the expression could not be evaluated); `context` is set
   * once the pod's result is read: the result as JSON, then why any branch is Unknown.
   */
  conditionalBranchesStatus?: { branches?: ConditionalBranchStatus[]; context?: string[] };
  conditions?: WorkflowNodeCondition[];
}

/** A `chaos-mesh.org/v1alpha1` WorkflowNode: one executed template of a Workflow. */
export interface WorkflowNode {
  apiVersion: string;
  kind: "WorkflowNode";
  metadata: ChaosObjectMeta & { ownerReferences?: OwnerReference[] };
  spec: WorkflowNodeSpec;
  status?: WorkflowNodeStatus;
}
