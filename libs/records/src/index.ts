// @faultline/records — the experiment pipeline every chaos kind shares (Chaos Mesh's records model).

// The reconciler an app drives from its watches and queue
export type { Reconciler, ReconcileRequest, RecordsReconcilerOptions } from "./records-reconciler.js";
export { createRecordsReconciler } from "./records-reconciler.js";
// the pipeline as one ManagedController per kind, for @faultline/controller's ControllerRunner
export type { RecordsControllersOptions } from "./records-controllers.js";
export { createRecordsControllers } from "./records-controllers.js";
export type { ChaosObjectClient, ChaosResource, UpdateWithRetryOptions } from "./chaos-object-client.js";
export { ConflictError, createKubernetesChaosObjectClient, ObjectGoneError, updateWithRetry } from "./chaos-object-client.js";
// more records than one object holds: kept in RecordShard objects, the status keeps counts
export type { RecordShardClient, ShardedChaosObjectClientOptions } from "./sharded-chaos-object-client.js";
export { activeRecordsOf, createKubernetesRecordShardClient, createShardedChaosObjectClient, recordCounts } from "./sharded-chaos-object-client.js";
export type { RecordShard } from "./record-shard-crd.js";
export { defaultRecordsPerShard, recordShardCrd, recordShardName } from "./record-shard-crd.js";
export { recordShardExperimentLabel, recordShardKind, recordShardResource } from "./record-shard-names.js";
export type { SelectedTarget, TargetSelector, TargetSelectorOptions } from "./target-selector.js";
export { createTargetSelector } from "./target-selector.js";
export type { BlastRadiusLimits } from "./blast-radius.js";
export { BlastRadiusError, blastRadiusOverrideAnnotation, checkBlastRadius, defaultBlastRadiusLimits, hasBlastRadiusOverride } from "./blast-radius.js";

// The annotations and finalizer users see
export { cleanFinalizerAnnotation, cleanFinalizerForced, recordsFinalizer } from "./chaos-annotations.js";

// The steps, for tools and tests that need one alone
export type { DesiredPhaseCause, DesiredPhaseDecision, DesiredPhaseInput } from "./desired-phase.js";
export { computeDesiredPhase, isPaused, isPlanOnly } from "./desired-phase.js";
// the plan annotation: status.plan instead of an injection
export type { PlanCandidate, SelectorCandidates } from "./plan-candidates.js";
export { selectCandidates } from "./plan-candidates.js";
export type { ExperimentPlanInput } from "./plan.js";
export { buildExperimentPlan, candidateRecords, failedExperimentPlan, modePicks, planCandidates, plannedReason, planOnlyPause } from "./plan.js";
export type { PlanStepInput, PlanStepOutcome } from "./plan-step.js";
export { planStep } from "./plan-step.js";
export { changedConditions, computeConditions, maxConditionMessageLength, mergeConditions, withSelectionFailure } from "./chaos-conditions.js";
export type { PausedBy } from "./chaos-conditions.js";
export { selectionFailureReason, specErrorReasons } from "./selection-failure.js";
export type { BackoffPolicy } from "./retry-backoff.js";
export { backoffDelayMs, consecutiveFailures, defaultBackoffPolicy, nextAttemptAtMs } from "./retry-backoff.js";
export type { StatusCompaction } from "./status-compaction.js";
export { appendRecordEvent, defaultStatusCompaction, fitStatus, statusBytes } from "./status-compaction.js";
export type { StatusMutation, StatusWriterOptions } from "./status-writer.js";
export { pausedBy, StatusWriteError, StatusWriter } from "./status-writer.js";
export { runBounded } from "./bounded-parallel.js";

// Metrics
export type { ExperimentPhase } from "./experiment-phase-of.js";
export { experimentPhaseOf } from "./experiment-phase-of.js";
export { registerExperimentGauge } from "./experiment-phase.js";

// Injections whose experiment is gone: the manager's periodic sweep (each kind's `sweep`)
export type { InjectionSweeper, InjectionSweeperOptions } from "./injection-sweeper.js";
export { createHoldsCheck, createInjectionSweeper, injectionSweptReason } from "./injection-sweeper.js";

// "Every experiment of kind K holding a record on this pod", from the manager's informers (shards included)
export type { ExperimentIndex, ExperimentIndexOptions, IndexedStore } from "./experiment-index.js";
export { createExperimentIndex, recordPodId } from "./experiment-index.js";

// The manager's published status (ConfigMap faultline-status): needs, daemon entries, orphans, lastSweep
export type { ManagerNeed } from "./faultline-status-report.js";
export { daemonEntry, daemonPodsOf, daemonVersionOf, describeNeed, lastSweepOf, managerNeeds, maxListedInjections, orphansOf, updatedAtFor } from "./faultline-status-report.js";
