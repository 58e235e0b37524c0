// @faultline/chaos/helloworld — HelloWorldChaos, the chaos kind of Chaos Mesh's walk-through.
// Manager side: Apply calls ExecHelloWorldChaos on each target container's daemon (one-shot).
// Daemon side: ExecHelloWorldChaos lists the target container's processes in the daemon's log.
export { helloWorldChaos } from "./helloworld-chaos.js";
export { helloWorldChaosCrd } from "./helloworld-chaos-crd.js";
export type { HelloWorldChaos, HelloWorldChaosSpec } from "./helloworld-chaos-crd.js";
export { helloWorldChaosManager } from "./helloworld-chaos-manager.js";
export { helloWorldChaosDaemon, helloWorldCommand } from "./helloworld-chaos-daemon.js";
