// @faultline/chaos/io — IOChaos.
// Manager side: Apply calls ExecIOChaos on each target's daemon, Recover RecoverIOChaos (lasts spec.duration).
// Daemon side: ExecIOChaos and RecoverIOChaos run the kind's commands in the target container's namespaces.
export { ioChaos } from "./io-chaos.js";
export { ioChaosCrd } from "./io-chaos-crd.js";
export type { IOChaos, IOChaosSpec } from "./io-chaos-crd.js";
export { ioChaosManager } from "./io-chaos-manager.js";
export { ioChaosDaemon, ioCommand, ioNamespaces, ioRecoverCommand } from "./io-chaos-daemon.js";
