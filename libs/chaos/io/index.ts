// @faultline/chaos/io — IOChaos: latency, errors, wrong attributes and corrupted data on a volume of
// a container, through a FUSE server mounted over the volume inside the container.
// Manager side: Apply checks the node's io/fuse capability, then sends ExecIOChaos (the record key,
// the volume and the spec as one PodIOChaos action); Recover sends RecoverIOChaos; lost injections
// and the sweep read ListIOChaos.
// Daemon side: one faultline-iofs server per (container, volume) serving the merged actions, the
// container's open files switched onto it and back by faultline-fd-swap; Chaos Mesh's ApplyIOChaos.
export { ioChaos } from "./io-chaos.js";
export { ioChaosActionRules, ioChaosCrd } from "./io-chaos-crd.js";
export type { IOChaos, IOChaosSpec } from "./io-chaos-crd.js";
export { NodeCannotFaultIOError, execIOChaosRequestOf, ioActionOf, ioChaosManager, ioFuseCapability, missingIOFuseReason } from "./io-chaos-manager.js";
export { execIOChaosCommands } from "./io-chaos-plan.js";
export type { IOInjectionCommands } from "./io-chaos-plan.js";
export { IOStateDir, createIOChaosDaemon, defaultIOStateDir, ioChaosDaemon, isIOServer, processStartTicks } from "./io-chaos-daemon.js";
export type { IOChaosDaemon, IOChaosDaemonOptions, IOServerState, IOVolumeState, IOWatchEvent } from "./io-chaos-daemon.js";
export {
  checkIOAction,
  checkVolumePath,
  ioChaosActionTypes,
  ioChaosFileKinds,
  ioChaosFillings,
  ioChaosMethods,
  ioConfigLines,
  maxIOActionsPerVolume,
  mergedIOActions,
  normalVolumePath,
  parseIOAction,
  parseIOActions,
  renderIOConfig,
} from "./io-action.js";
export type { IOAttrOverride, IOChaosAction, IOChaosActionType, IOMistake, IOTimespec } from "./io-action.js";
export { iofsMountIdIn, ioServerKey } from "./io-helpers.js";
export { defaultIOHelpers, ioFdSwapperOf, ioFsHelperOf } from "./io-helper-adapters.js";
export { defaultIofsBinary } from "./iofs-helper.js";
export { defaultFdSwapBinary } from "./fd-swap-helper.js";
export type { IOFdSwapOutcome, IOFdSwapper, IOFsHelper, IOServerStarted, IOVolumeCheck } from "./io-helpers.js";
