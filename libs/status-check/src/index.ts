// @faultline/status-check — Chaos Mesh's StatusCheck: an HTTP probe of the system's steady state,
// at an interval, with failure and success thresholds, a bounded history and Chaos Mesh's
// conditions; the CRD, the controller the manager runs, and the pure evaluation under it.

// For the manager: the controller
export { createStatusCheckController } from "./status-check-controller.js";
export type { StatusCheckControllerDeps } from "./status-check-controller.js";

// The resource and its types
export { statusCheckConditionTypes, statusCheckReasons, statusCheckResource } from "./status-check.js";
export type {
  ResolvedStatusCheckSpec,
  StatusCheck,
  StatusCheckCondition,
  StatusCheckConditionType,
  StatusCheckOutcome,
  StatusCheckRecord,
  StatusCheckStatus,
} from "./status-check.js";

// For the CRD generator and what embeds a StatusCheck (a Workflow's StatusCheck template)
export {
  httpMethods,
  statusCheckCrd,
  statusCheckModes,
  statusCheckPrinterColumns,
  statusCheckSpecSchema,
  statusCheckSpecTypeBox,
  statusCheckStatusSchema,
  statusCheckTypes,
  statusCodeCriteriaPattern,
} from "./status-check-crd.js";
export type { HttpStatusCheck, StatusCheckMode, StatusCheckSpec } from "./status-check-crd.js";

// The evaluation, pure: thresholds, conditions, when the next probe is due
export {
  durationEndMs,
  evaluateStatusCheck,
  isStatusCheckCompleted,
  nextStatusCheckStep,
  resolveStatusCheckSpec,
  thresholdExceeded,
  withEvaluatedConditions,
  withProbeRecord,
} from "./status-check-evaluation.js";
export type { StatusCheckEvaluation, StatusCheckStep } from "./status-check-evaluation.js";

// One HTTP probe, and the status-code criteria
export { probeHttp } from "./http-probe.js";
export { createDestinationPolicy, defaultRefusedDestinations, RefusedDestinationError } from "./destination-policy.js";
export type { DestinationPolicy } from "./destination-policy.js";
export type { HttpProbeOptions, HttpProbeResult } from "./http-probe.js";
export { InvalidStatusCodeCriteriaError, parseStatusCodeCriteria, statusCodeMeets } from "./status-code-criteria.js";
export type { StatusCodeRange } from "./status-code-criteria.js";
