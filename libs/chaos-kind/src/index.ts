// @faultline/chaos-kind — what a chaos kind is, and how the apps compose a list of kinds.

// For kind authors
export { defineChaosKind, kindNameOf } from "./chaos-kind-definition.js";
export type { ChaosKindDefinition, DaemonKindDeps, KindEvent, KindExperimentCache, KindLog, KindPodCache, ManagerKindDeps } from "./chaos-kind-definition.js";

// For the apps and the CRD generator: one list of definitions, read by all three
export { createChaosKindRegistry, crdsOf, managerChaosKind, registerDaemonHandlers } from "./chaos-kind-composition.js";

// For what embeds chaos specs (Schedule, Workflow): each kind's field and spec schema
export { embeddedChaos, embeddedChaosField } from "./embedded-chaos.js";
export type { EmbeddedChaos } from "./embedded-chaos.js";
