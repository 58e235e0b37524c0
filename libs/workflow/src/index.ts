// @faultline/workflow — Chaos Mesh's Workflow: run chaos experiments in sequence or in parallel,
// with pauses, schedules and status checks between them, over every chaos kind of a list.

// For the manager: the controllers, with what they need
export { createWorkflowControllers } from "./create-workflow-controllers.js";
export { createWorkflowController, activeNodesRefreshMs } from "./workflow-controller.js";
export { createWorkflowNodeController } from "./workflow-node-controller.js";
export type { WorkflowControllerDeps } from "./workflow-controller-deps.js";

// For the CRD generator and the Schedule CRD (which embeds a Workflow's spec)
export { workflowCrd, workflowCrds, workflowLimits, workflowNodeCrd, workflowNodeSpecSchema, workflowSpecSchema, workflowTemplateTypes } from "./workflow-crd.js";
export type { WorkflowEmbeddedSchemas } from "./workflow-crd.js";

// The API: types, names users see (annotation, labels, resources, reasons)
export type {
  Workflow,
  WorkflowCondition,
  WorkflowNode,
  WorkflowNodeCondition,
  WorkflowNodeSpec,
  WorkflowNodeStatus,
  WorkflowSpec,
  WorkflowStatus,
  WorkflowTemplate,
} from "./workflow-types.js";
export {
  controlledByLabel,
  controlTemplateTypes,
  scheduleResource,
  statusCheckResource,
  workflowLabel,
  workflowNodeResource,
  workflowReasons,
  workflowResource,
} from "./workflow-names.js";
export type { WorkflowConditionType, WorkflowNodeConditionType } from "./workflow-names.js";

// The pure steps, for tools and tests that need one alone
export { findTemplate, templateGraphErrors } from "./template-graph.js";
export { childDeadlineMs, childrenStep, isNodeFinished } from "./node-step.js";
export type { ChildrenStep, ChildState } from "./node-step.js";
export { childNodeName, entryNodeName } from "./node-names.js";
export { nodeSpecOf } from "./node-spec.js";
