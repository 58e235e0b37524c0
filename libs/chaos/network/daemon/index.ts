// NetworkChaos's daemon side: SetTcs, FlushIPSets and SetIptablesChains (Chaos Mesh's protocol),
// and what the manager side needs to refuse what a node cannot do before injecting.
export { networkDaemonHandlers, networkNotesHeader } from "./network-daemon-handlers.js";
export type { NetworkDaemonOptions } from "./network-daemon-handlers.js";
export { describeMissingCapabilities, requiredCapabilities } from "./required-capabilities.js";
export type { MissingCapability, NetworkState } from "./required-capabilities.js";

// The pure builders, for tests and tools that want to see what the daemon would run
export { planTrafficControl, netemArgs, tbfArgs, tcTime, isPlainLoss } from "./traffic-control-plan.js";
export type { TrafficControlPlan, FilteredLayout } from "./traffic-control-plan.js";
export { partitionChains, chainRules } from "./partition-chains.js";
export { validChains, validDevice, validIpsets, validTcs, NetworkRequestError } from "./network-request-validation.js";
// The device-name grammar the daemon checks and the CRD's device fields carry: one source for both
export { deviceFieldPattern, networkDeviceNameGrammar, networkDeviceNamePattern } from "./network-device-name.js";
