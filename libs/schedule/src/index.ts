// @faultline/schedule — Chaos Mesh's Schedule: chaos (or a Workflow) created on a cron.

// For the manager: the controller, and what finished-ness means for a spawned object
export { createScheduleController, scheduleResource, workflowResource } from "./schedule-controller.js";
export type { ScheduleControllerDeps } from "./schedule-controller.js";
export { isChaosFinished, isWorkflowFinished } from "./chaos-finished.js";
export type { SpawnedObject } from "./chaos-finished.js";

// For the CRD generator and the Workflow CRD (which embeds ChaosOnlyScheduleSpec)
export { chaosOnlyScheduleSpecSchema, defaultHistoryLimit, everyTooShortMessage, maxScheduleLength, scheduleCrd, schedulePattern, scheduleSyntaxMessage, workflowScheduleType } from "./schedule-crd.js";
export type { ScheduleCrdOptions } from "./schedule-crd.js";
export type {
  ChaosOnlyScheduleSpec,
  ConcurrencyPolicy,
  OwnerReference,
  Schedule,
  ScheduleCondition,
  ScheduleObjectMeta,
  ScheduleObjectReference,
  ScheduleSpec,
  ScheduleStatus,
} from "./schedule-types.js";

// Cron evaluation (robfig/cron's dialect, as Chaos Mesh reads `spec.schedule`)
export { minEveryMs, parseSchedule, ScheduleParseError } from "./cron-schedule.js";
export type { CronSchedule } from "./cron-schedule.js";
export { latestDueSlot, maxMissedRuns, mostRecentMissedRun, tooManyMissedRunsMessage } from "./missed-runs.js";
export type { MissedRuns, MissedRunsInput } from "./missed-runs.js";

// What a spawned object carries
export { childName, managedByValue } from "./child-naming.js";
export { managedByLabel, scheduleSlotAnnotation } from "./schedule-names.js";
