// The controllers the manager runs besides the chaos kinds' records pipeline: Schedule, Workflow
// (with its WorkflowNodes) and StatusCheck, each over the manager's kinds, so a kind added to
// `kinds` can be scheduled and put in a workflow with no edit here.
import type { KillSwitchState } from "@faultline/api";
import type { ChaosKindDefinition } from "@faultline/chaos-kind";
import type { EventRecorder, Logger, ManagedController } from "@faultline/controller";
import { createScheduleController } from "@faultline/schedule";
import { createStatusCheckController } from "@faultline/status-check";
import { createWorkflowControllers } from "@faultline/workflow";
import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";

/** What the manager hands the controllers it runs besides the chaos kinds'. */
export interface ManagerControllerDeps {
  customObjects: CustomObjectsApi;
  /** Pods and their logs (a Workflow's Task templates run pods). */
  core: CoreV1Api;
  events: EventRecorder;
  logger: Logger;
  kinds: readonly ChaosKindDefinition[];
  /** Addresses no StatusCheck probes (`--status-check-refused-destinations`). */
  statusCheckRefusedDestinations?: readonly string[];
  /** The cluster-wide kill switch now: Schedules spawn nothing and Workflows start no node while it is engaged. */
  killSwitch?: () => KillSwitchState;
}

/** Schedule, Workflow + WorkflowNode, StatusCheck. */
export function builtInControllers(deps: ManagerControllerDeps): ManagedController[] {
  const { statusCheckRefusedDestinations: refusedDestinations, ...common } = deps;
  return [
    createScheduleController(common),
    ...createWorkflowControllers(common),
    createStatusCheckController({ ...common, ...(refusedDestinations && { refusedDestinations }) }),
  ];
}
