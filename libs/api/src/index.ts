// @faultline/api — the types every part of Faultline shares.
//
// The ChaosDaemon protocol: package "pb", service ChaosDaemon, wire-compatible with Chaos Mesh 2.x
// daemons for the RPCs it defines. Generated from proto/pb/chaosdaemon.proto by `npx buf generate`.
export {
  ChaosDaemon,
  ContainerActionSchema,
  ContainerAction_Action,
  ContainerRequestSchema,
  ContainerResponseSchema,
  ExecHelloWorldRequestSchema,
  file_pb_chaosdaemon,
} from "./gen/pb/chaosdaemon_pb.js";
export type {
  ContainerAction,
  ContainerRequest,
  ContainerResponse,
  ExecHelloWorldRequest,
} from "./gen/pb/chaosdaemon_pb.js";

// chaos-mesh.org/v1alpha1: the chaos kinds' types and the status they share
export { chaosApiVersion, chaosGroup, chaosVersion } from "./v1alpha1/group-version.js";
export { selectorModes } from "./v1alpha1/selector.js";
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
  ExperimentStatus,
  Record,
  RecordEvent,
  RecordPhase,
} from "./v1alpha1/chaos-status.js";
export type { ChaosObjectMeta, HelloWorldChaos, HelloWorldChaosSpec } from "./v1alpha1/helloworld-chaos.js";

// chaos-mesh.org/v1alpha1 schemas: the one source of the CRDs in libs/api/crds
export { chaosCrds, crdFileName } from "./v1alpha1/crds.js";
export { helloWorldChaosCrd, helloWorldChaosSpecSchema } from "./v1alpha1/helloworld-chaos-schema.js";
export { chaosPrinterColumns, defineChaosCrd } from "./v1alpha1/chaos-crd.js";
export type { ChaosCrdOptions } from "./v1alpha1/chaos-crd.js";
export {
  containerSelectorProperties,
  labelSelectorRequirementSchema,
  podSelectorProperties,
  podSelectorRequired,
  podSelectorSpecSchema,
  selectorModeSchema,
  selectorValueSchema,
} from "./v1alpha1/selector-schema.js";
export { chaosStatusSchema, recordEventSchema, recordSchema } from "./v1alpha1/chaos-status-schema.js";
export { durationSchema, goDurationPattern } from "./v1alpha1/duration-schema.js";
export type {
  CustomResourceDefinition,
  CustomResourceDefinitionNames,
  CustomResourceDefinitionVersion,
  OpenApiSchema,
  PrinterColumn,
} from "./v1alpha1/openapi-schema.js";
export {
  containerRecordId,
  InvalidRecordIdError,
  parseContainerRecordId,
  parsePodRecordId,
  podRecordId,
} from "./v1alpha1/record-id.js";
export type { ContainerRecordId, PodRecordId } from "./v1alpha1/record-id.js";
