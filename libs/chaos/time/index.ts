// @faultline/chaos/time — TimeChaos: shift the clocks a container's processes read, without
// restarting them.
// Manager side: Apply checks the node's time/vdso-skew capability, then sends SetTimeOffset (Chaos
// Mesh's TimeRequest) with the record's key as uid; Recover sends RecoverTimeOffset; lost
// injections and the sweep read ListTimeChaos.
// Daemon side: every process of the container's cgroup given the composed offsets by the native
// helper (faultline-time-skew, a patch in the process's own vDSO), new processes by the watch.
export { timeChaos } from "./time-chaos.js";
export { timeChaosCrd, timeOffsetBoundMessage, timeOffsetMaxLength, timeOffsetRules, timeOffsetSyntaxMessage } from "./time-chaos-crd.js";
export type { TimeChaos, TimeChaosSpec } from "./time-chaos-crd.js";
export { NodeCannotSkewTimeError, missingTimeSkewReason, setTimeOffsetArgv, setTimeOffsetRequestOf, timeChaosManager, timeRequestFieldsOf, timeSkewCapability } from "./time-chaos-manager.js";
export { TimeStateDir, createTimeChaosDaemon, defaultTimeStateDir, processIdentity, timeChaosDaemon } from "./time-chaos-daemon.js";
export type { ContainerTimeState, TimeChaosDaemon, TimeChaosDaemonOptions, TimeWatchEvent } from "./time-chaos-daemon.js";
export { checkRecoverTimeRequest, checkSetTimeRequest, composedOffsets, maxComposedOffsets, skewEntryOf, withEntry, withoutEntry } from "./time-request.js";
export type { SkewEntry } from "./time-request.js";
export {
  InvalidTimeOffsetError,
  UnknownClockIdError,
  clockIdsMask,
  clockIdsOfMask,
  defaultTimeChaosClockIds,
  maxTimeOffsetSeconds,
  signedGoDurationRegexSource,
  splitTimeOffset,
  timeChaosClockIds,
  timeOffsetNanos,
} from "./time-offset.js";
export { TimeSkewHelperError, createTimeSkewHelper, defaultTimeSkewBinary, maxTimeSkewEntries, timeSkewKey } from "./time-skew-helper.js";
export type { ProcessSkewState, TimeSkewEntry, TimeSkewHelper } from "./time-skew-helper.js";
