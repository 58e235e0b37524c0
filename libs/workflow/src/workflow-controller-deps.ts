import type { KillSwitchState } from "@faultline/api";
import type { ChaosKindDefinition } from "@faultline/chaos-kind";
import type { EventRecorder, Logger } from "@faultline/controller";
import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";

/** What {@link createWorkflowControllers} needs from the manager. */
export interface WorkflowControllerDeps {
  /** The manager's rate-limited custom objects client. */
  customObjects: CustomObjectsApi;
  /** The manager's (rate-limited) core client: Task nodes create, read and delete their pods and read their logs. */
  core: CoreV1Api;
  /** Events on Workflows and WorkflowNodes, with Chaos Mesh's reasons. */
  events: EventRecorder;
  logger: Logger;
  /** The chaos kinds a template may name (its `templateType`), e.g. the catalog of `@faultline/chaos`. */
  kinds: readonly ChaosKindDefinition[];
  /** The clock; default `() => new Date()`. */
  now?: () => Date;
  /**
   * The cluster-wide kill switch now; while engaged no node starts (no entry node, child node, chaos
   * object, Schedule, StatusCheck or Task pod is created: every Workflow waits) and each Workflow has
   * condition `KillSwitch` True. An abort still goes through. The caller queues every Workflow and
   * WorkflowNode again when it changes.
   */
  killSwitch?: () => KillSwitchState;
}
