import type { ManagedController } from "@faultline/controller";
import type { WorkflowControllerDeps } from "./workflow-controller-deps.js";
import { createWorkflowController } from "./workflow-controller.js";
import { createWorkflowNodeController } from "./workflow-node-controller.js";

/**
 * The two controllers that run Workflows, for a `ControllerRunner` (the manager's, or a test's):
 * `workflows` (entry node, status, abort) and `workflownodes` (each node by its type).
 *
 * @example
 * const runner = new ControllerRunner({ kubeConfig, controllers: createWorkflowControllers({ customObjects, core, events, logger, kinds }) });
 * await runner.start();
 */
export function createWorkflowControllers(deps: WorkflowControllerDeps): ManagedController[] {
  return [createWorkflowController(deps), createWorkflowNodeController(deps)];
}
