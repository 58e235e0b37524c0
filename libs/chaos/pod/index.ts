// @faultline/chaos/pod — PodChaos: pod-kill, pod-failure and container-kill.
export { podChaos } from "./pod-chaos.js";
export { podChaosActions, podChaosCrd } from "./pod-chaos-crd.js";
export type { PodChaos, PodChaosAction, PodChaosSpec } from "./pod-chaos-crd.js";
export { defaultPauseImage, podChaosManager } from "./pod-chaos-manager.js";
export type { PodChaosManagerDeps } from "./pod-chaos-manager.js";
export { podFailureAnnotationKey, readPodFailureMark } from "./pod-failure-annotations.js";
export type { PodFailureMark } from "./pod-failure-annotations.js";
export {
  defaultPodDisruptionBudgetMode,
  evictionRefusal,
  parsePodDisruptionBudgetSetting,
  podDisruptionBudgetModes,
  podDisruptionBudgetSetting,
  podFailureBudgetRefusal,
} from "./pod-disruption-budget.js";
export type { PodDisruptionBudgetMode } from "./pod-disruption-budget.js";
