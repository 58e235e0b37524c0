// @faultline/chaos/http — HTTPChaos.
// Manager side: Apply calls ExecHTTPChaos on each target's daemon, Recover RecoverHTTPChaos (lasts spec.duration).
// Daemon side: ExecHTTPChaos and RecoverHTTPChaos run the kind's commands in the target pod's namespaces.
export { httpChaos } from "./http-chaos.js";
export { httpChaosCrd } from "./http-chaos-crd.js";
export type { HTTPChaos, HTTPChaosSpec } from "./http-chaos-crd.js";
export { httpChaosManager } from "./http-chaos-manager.js";
export { httpChaosDaemon, httpCommand, httpNamespaces, httpRecoverCommand } from "./http-chaos-daemon.js";
