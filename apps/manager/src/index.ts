// @faultline/manager — the manager as a function, for custom managers that serve their own kinds:
//   runManagerProcess({ kinds: [...builtInChaosKinds, myChaos] });
export { runManager, runManagerProcess } from "./run-manager.js";
export type { RunManagerOptions } from "./run-manager.js";
export { ManagerConfigError, managerUsage, parseManagerConfig } from "./manager-config.js";
export type { ManagerConfig } from "./manager-config.js";
// the CRDs a manager serving these kinds needs (the kinds', RecordShard, Schedule, Workflow, WorkflowNode, StatusCheck)
export { managerCrds } from "./manager-crds.js";
