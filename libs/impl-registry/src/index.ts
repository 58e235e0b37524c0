// @faultline/impl-registry — what a chaos kind gives the manager, and the registry of the kinds it serves.

// A kind's manager side: the impl that applies and recovers one record
export type { ChaosImpl, ChaosImplContext, InjectionOwner, RecordPlan, SweepContext, SweptInjection } from "./chaos-impl.js";
export { UNDESCRIBED_RECORD_PLAN } from "./chaos-impl.js";
export type { ChaosObject } from "./chaos-object.js";
// what an apply throws to decline a record for now (a guard rail): wait, or skip it
export { ApplySkipped, ApplyWaiting, skippedPhase, waitingMessagePrefix, waitingRetryMs } from "./record-deferral.js";

// A kind described once: its definition, what the manager hands it, and the entry made from it
export type {
  ChaosKind,
  KeyedSelector,
  KindEvent,
  KindExperimentCache,
  KindLog,
  KindPodCache,
  ManagerKindDefinition,
  ManagerKindDeps,
  OfObject,
  SelectorKind,
} from "./chaos-kind.js";
export { durationOf, inlineSelector, InvalidChaosKindError, kindOf, oneShotOf, resourceOf, selectorKindOf, selectorsOf } from "./chaos-kind.js";

// The kinds a manager serves
export { ChaosKindRegistry, DuplicateChaosKindError, UnknownChaosKindError } from "./chaos-kind-registry.js";

// Metrics of every kind's apply and recover calls
export { createChaosKindMetrics } from "./chaos-kind-metrics.js";
