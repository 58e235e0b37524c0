// @faultline/chaos/stress — StressChaos: stress-ng CPU and memory stressors inside target containers.
// Manager side: Apply sends ExecStressors with the record's key; Recover sends CancelStressors.
// Daemon side: stressors started inside the container's cgroups and pid namespace, found again by
// the marker their processes carry (also after a daemon restart).
export { stressChaos } from "./stress-chaos.js";
export { stressChaosCrd } from "./stress-chaos-crd.js";
export type { StressChaos, StressChaosSpec } from "./stress-chaos-crd.js";
export { stressChaosManager } from "./stress-chaos-manager.js";
export { stressChaosDaemon } from "./stress-chaos-daemon.js";
export type { StressChaosDaemonOptions } from "./stress-chaos-daemon.js";
export { stressRecordKey, stressRequestOf } from "./stress-request.js";
export type { StressRequestFields } from "./stress-request.js";
export { MemorySizeError, memorySizeBytes } from "./memory-size.js";
export { StressArgumentsError, memoryStressorArgv, parseMemoryStressor, stressNgTokens } from "./stress-ng-arguments.js";
export type { MemoryStressor } from "./stress-ng-arguments.js";
export { memorySizePattern, stressNgArgumentsPattern } from "./stress-ng-grammar.js";
export {
  StressNgOptionError,
  checkStressNgArgv,
  resolveStressNgOption,
  stressNgAllOptions,
  stressNgAllowedArgumentsPattern,
  stressNgAllowedOptions,
  stressNgValueGrammars,
} from "./stress-ng-allowlist.js";
export type { StressNgAllowedOption, StressNgResolution, StressNgValueGrammar, StressNgValueKind } from "./stress-ng-allowlist.js";
export { CgroupTargetError, cgroupTargetOf, defaultHostPaths, joinCgroup, nodeMemoryBytes } from "./cgroup-target.js";
export type { CgroupTarget, HostPaths } from "./cgroup-target.js";
export { defaultStressorLauncher, findStressors, killStressors, startStressor, stressMarkers } from "./stressor-processes.js";
export type { StressorInstance, StressorLauncher, StressorPart, StressorSelector, StressorStart } from "./stressor-processes.js";
