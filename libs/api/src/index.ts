// @faultline/api — the types every part of Faultline shares.
//
// The ChaosDaemon protocol: package "pb", service ChaosDaemon, wire-compatible with Chaos Mesh 2.x
// daemons for the RPCs it defines. Generated from proto/pb/chaosdaemon.proto by `npx buf generate`;
// every message is exported, so an RPC added to the proto needs no edit here.
export * from "./gen/pb/chaosdaemon_pb.js";

export { namespacedNameHeader } from "./namespaced-name-header.js";

// chaos-mesh.org/v1alpha1: the types every chaos kind shares
export { chaosApiVersion, chaosGroup, chaosVersion } from "./v1alpha1/group-version.js";
export type { ChaosObjectMeta } from "./v1alpha1/chaos-object-meta.js";
export { controllerReference, isControlledBy } from "./v1alpha1/owner-reference.js";
export { isObjectNotFound } from "./v1alpha1/object-not-found.js";
export type { OwnerReference } from "./v1alpha1/owner-reference.js";
// the annotations users set on objects (Chaos Mesh's names)
export { pauseAnnotation } from "./v1alpha1/pause-annotation.js";
export { workflowAbortAnnotation } from "./v1alpha1/workflow-abort-annotation.js";
// the manager's published status (ConfigMap faultline-status), read by faultline doctor and recover --orphans
export type { FaultlineNodeStatus, FaultlineOrphan, FaultlineStatus, KindNodeCapability } from "./v1alpha1/faultline-status.js";
export { faultlineStatusConfigMap, faultlineStatusKey, statusRefreshRequestedAnnotation, sweepRequestedAnnotation } from "./v1alpha1/faultline-status.js";
// the cluster-wide kill switch (faultline.chaos-mesh.org/v1alpha1 KillSwitch, cluster-scoped singleton)
export type { KillSwitch, KillSwitchCondition, KillSwitchState } from "./v1alpha1/kill-switch.js";
export {
  faultlineGroup,
  killSwitchApiVersion,
  killSwitchCrd,
  killSwitchKind,
  killSwitchMessage,
  killSwitchName,
  killSwitchReason,
  killSwitchResource,
  killSwitchStateOf,
  killSwitchStatus,
} from "./v1alpha1/kill-switch.js";
// Go durations, as spec.duration and the orchestration fields write them
export { InvalidDurationError, parseGoDuration } from "./v1alpha1/go-duration.js";
// small helpers the libraries above share
export { deepFreeze } from "./deep-freeze.js";
export { truncateMessage } from "./truncate-message.js";
export { resourceVersionAtLeast } from "./resource-version.js";
export type {
  ContainerSelector,
  LabelSelectorRequirement,
  PodSelector,
  PodSelectorSpec,
  SelectorMode,
} from "./v1alpha1/selector.js";
export type {
  ChaosCondition,
  ChaosConditionType,
  ChaosStatus,
  DesiredPhase,
  ExperimentPlan,
  ExperimentStatus,
  PlannedStep,
  PlannedTarget,
  Record,
  RecordEvent,
  RecordPhase,
} from "./v1alpha1/chaos-status.js";

// A kind's CRD and type from one schema: defineChaosCrd({ kind, spec: Type.Object(...) })
export { chaosPrinterColumns, defineChaosCrd } from "./v1alpha1/chaos-crd.js";
export { defineResourceCrd } from "./v1alpha1/resource-crd.js";
export type { ResourceCrdOptions } from "./v1alpha1/resource-crd.js";
export type { ChaosCrd, ChaosCrdOptions, ChaosResource, ChaosResourceOf } from "./v1alpha1/chaos-crd.js";
export {
  containerSelectorFields,
  containerSelectorSchema,
  labelSelectorOperators,
  labelSelectorRequirementSchema,
  podSelectorFields,
  podSelectorSchema,
  podSelectorSpecSchema,
  selectorModes,
  selectorModeSchema,
  selectorValueSchema,
} from "./v1alpha1/selector-schema.js";
export { durationSchema, goDurationPattern } from "./v1alpha1/duration-schema.js";
export { mapOf, NotStructuralSchemaError, stringEnum, stringList, stringMap, toOpenApiSchema } from "./v1alpha1/structural-schema.js";
export { chaosStatusSchema, recordEventSchema, recordSchema } from "./v1alpha1/chaos-status-schema.js";
// status.plan instead of an injection: faultline.chaos-mesh.org/plan: "true"
export { maxPlannedTargets, planAnnotation, planOnlyReason } from "./v1alpha1/plan-annotation.js";
export type {
  CelValidationRule,
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
  OpenApiSchema,
  PrinterColumn,
} from "./v1alpha1/openapi-schema.js";
export { validateAgainstSchema } from "./openapi-validation.js";

// CRD files: what `generate:crds` writes
export { crdFileName, crdFiles } from "./crd-files.js";
export type { CrdFile } from "./crd-files.js";
export { renderYaml } from "./render-yaml.js";

// Record ids: the targets' names in status.experiment.containerRecords[].id
export {
  containerRecordId,
  InvalidRecordIdError,
  parseContainerRecordId,
  parsePodRecordId,
  podRecordId,
} from "./v1alpha1/record-id.js";
export type { ContainerRecordId, PodRecordId } from "./v1alpha1/record-id.js";
