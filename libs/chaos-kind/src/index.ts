// @faultline/chaos-kind — what a chaos kind is, and how the apps compose a list of kinds.

// For kind authors: the definition (its manager side is @faultline/impl-registry's ManagerKindDefinition)
export { defineChaosKind, kindNameOf } from "./chaos-kind-definition.js";
export type { ChaosKindDefinition, DaemonKindDeps } from "./chaos-kind-definition.js";
// ... and what a kind's manager side is written and tested with, from @faultline/impl-registry
export type {
  ChaosImpl,
  ChaosImplContext,
  ChaosKind,
  ChaosObject,
  InjectionOwner,
  KeyedSelector,
  KindEvent,
  KindExperimentCache,
  KindLog,
  KindPodCache,
  ManagerKindDefinition,
  ManagerKindDeps,
  SelectorKind,
  SweepContext,
  SweptInjection,
} from "@faultline/impl-registry";
export { inlineSelector, kindOf } from "@faultline/impl-registry";

// For the apps and the CRD generator: one list of definitions, read by all three
export { createChaosKindRegistry, crdsOf, registerDaemonHandlers } from "./chaos-kind-composition.js";

// For what embeds chaos specs (Schedule, Workflow): each kind's field and spec schema
export { embeddedChaos, embeddedChaosField } from "./embedded-chaos.js";
export type { EmbeddedChaos } from "./embedded-chaos.js";
