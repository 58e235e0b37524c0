// @faultline/impl-registry — what a chaos kind gives the manager, and the registry of the kinds it serves.

// A chaos kind: its impl and its descriptor, and the registry the manager serves
export type { ChaosImpl, ChaosImplContext, InjectionOwner, SweepContext, SweptInjection } from "./chaos-impl.js";
export type { ChaosKind, KeyedSelector, SelectorKind } from "./chaos-kind.js";
export { durationOf, inlineSelector, oneShotOf, resourceOf, selectorKindOf } from "./chaos-kind.js";
export {
  ChaosKindRegistry,
  DuplicateChaosKindError,
  InvalidChaosKindError,
  UnknownChaosKindError,
} from "./chaos-kind-registry.js";
export type { ChaosObject } from "./chaos-object.js";

// Metrics of every kind's apply and recover calls
export { createChaosKindMetrics } from "./chaos-kind-metrics.js";
