// @faultline/chaos/time — TimeChaos.
// Manager side: Apply calls ExecTimeChaos on each target's daemon, Recover RecoverTimeChaos (lasts spec.duration).
// Daemon side: ExecTimeChaos and RecoverTimeChaos run the kind's commands in the target container's namespaces.
export { timeChaos } from "./time-chaos.js";
export { timeChaosCrd } from "./time-chaos-crd.js";
export type { TimeChaos, TimeChaosSpec } from "./time-chaos-crd.js";
export { timeChaosManager } from "./time-chaos-manager.js";
export { timeChaosDaemon, timeCommand, timeNamespaces, timeRecoverCommand } from "./time-chaos-daemon.js";
