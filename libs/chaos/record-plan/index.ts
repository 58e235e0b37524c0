// What every chaos kind's `plan` shares (`@faultline/chaos/record-plan`): reaching the record's
// target read-only, the request as JSON, the daemon runner's nsenter prefix, and the plan of a
// record apply sends one daemon RPC for. A custom kind's plan builds on the same parts.
export { commandsOrRefusal, decodeForPlan, hostPidOf, inNamespacesArgv, oneDaemonStepPlan, reachForPlan, requestJson } from "./record-plan.js";
export type { DaemonStep, PlanTarget } from "./record-plan.js";
