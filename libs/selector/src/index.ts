// @faultline/selector — from a chaos object's selector and mode to its targets, with Chaos Mesh's
// semantics (see PodSelectorSpec in @faultline/api).

// What a chaos kind's manager needs
export { containerCandidates, podCandidates, selectContainerTargets, selectPodTargets } from "./select-targets.js";
export type { PodTarget, SelectTargetsOptions } from "./select-targets.js";
export type { ContainerTarget } from "./select-containers.js";
export { createKubernetesPodSource } from "./kubernetes-pod-source.js";
export type { KubernetesPodSourceOptions } from "./kubernetes-pod-source.js";
export { createCachedPodSource } from "./cached-pod-source.js";
export type { PodStore } from "./cached-pod-source.js";
export { slimPod } from "./slim-pod.js";
export { SelectorError } from "./selector-error.js";
export type { MissingContainer, SelectorErrorReason } from "./selector-error.js";

// The steps, for callers that need one of them alone
export { selectPods } from "./select-pods.js";
export type { SelectPodsOptions } from "./select-pods.js";
export { applySelectorMode, selectionCount } from "./selector-mode.js";
export { selectContainers } from "./select-containers.js";

// Sources and selector pieces
export { createInMemoryPodSource } from "./in-memory-pod-source.js";
export type { InMemoryObjects } from "./in-memory-pod-source.js";
export type { PodQuery, PodSource } from "./pod-source.js";
export {
  checkLabelSelector,
  formatLabelSelector,
  isEmptyLabelSelector,
  matchesLabelSelector,
  podLabelSelector,
} from "./label-selector.js";
export type { LabelSelector } from "./label-selector.js";
export { formatFieldSelector, matchesPodFields, selectablePodFields } from "./field-selector.js";
export { matchesPhaseSelector, parsePhaseSelectors } from "./phase-selector.js";
export type { PhaseSelector } from "./phase-selector.js";
export { injectAnnotation, isChaosEnabledNamespace } from "./namespace-filter.js";
