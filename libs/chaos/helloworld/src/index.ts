// @faultline/chaos-helloworld — HelloWorldChaos, the chaos kind of Chaos Mesh's walk-through.
// Daemon side: ExecHelloWorldChaos lists the target container's processes in the daemon's log.
export { helloWorldDaemonHandlers, helloWorldCommand } from "./helloworld-daemon-handlers.js";
export type { HelloWorldDaemonDeps } from "./helloworld-daemon-handlers.js";
