// @faultline/chaos-helloworld — HelloWorldChaos, the chaos kind of Chaos Mesh's walk-through.
// Manager side: Apply calls ExecHelloWorldChaos on each target container's daemon (one-shot).
// Daemon side: ExecHelloWorldChaos lists the target container's processes in the daemon's log.
// The kind's type (its schema and CRD are generated in @faultline/api with every other kind's)
export type { HelloWorldChaos, HelloWorldChaosSpec } from "@faultline/api";
export { helloWorldChaosKind } from "./helloworld-chaos-kind.js";
export type { HelloWorldChaosKindDeps } from "./helloworld-chaos-kind.js";
export { helloWorldDaemonHandlers, helloWorldCommand } from "./helloworld-daemon-handlers.js";
export type { HelloWorldDaemonDeps } from "./helloworld-daemon-handlers.js";
