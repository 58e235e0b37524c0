// @faultline/chaos/network — NetworkChaos: tc faults and partition between pods and external targets.
// Manager side: per pod, the whole desired state from every NetworkChaos on it, sent as
// FlushIPSets, SetIptablesChains, SetTcs after a check of what the node can do.
// Daemon side (./daemon): the three RPCs and the node capability probe.
export { networkChaos, networkChaosSelectors } from "./network-chaos.js";
export { externalTargetPattern, networkChaosActions, networkChaosCrd, networkChaosDirections, ratePattern } from "./network-chaos-crd.js";
export type { NetworkChaos, NetworkChaosAction, NetworkChaosDirection, NetworkChaosSpec } from "./network-chaos-crd.js";
export { networkChaosAppliedAnnotation, networkChaosManager, NodeCannotInjectError, NothingToInjectError } from "./network-chaos-manager.js";
export type { NetworkChaosManagerDeps } from "./network-chaos-manager.js";
export { networkPlanSteps, networkRequestsOf } from "./network-chaos-plan.js";
export type { NetworkRequests } from "./network-chaos-plan.js";
// kept for callers from when record-plan/ was part of network/; its own entry is @faultline/chaos/record-plan
export { commandsOrRefusal, hostPidOf, inNamespacesArgv, oneDaemonStepPlan, reachForPlan, requestJson } from "../record-plan/index.js";
export type { DaemonStep, PlanTarget } from "../record-plan/index.js";
export { deviceName, netemOf, podNetworkRules, rolesWithoutPeers, rulesOf, targetIpsets, tbfOf, toCidr } from "./network-chaos-rules.js";
export type { ChainRule, ExternalCidr, IpsetRule, NetemRule, NetworkChaosOnPod, NetworkChaosRole, PodNetworkRules, TbfRule, TcRule } from "./network-chaos-rules.js";
export { checkCapabilities, rulesAsMessages } from "./network-capability-check.js";
export type { CapabilityVerdict } from "./network-capability-check.js";
export { compressName, ipsetNames, partitionChainName } from "./network-chaos-names.js";
export { dnsResolver, resolveExternalTargets, splitExternalTarget } from "./external-targets.js";
export type { HostResolver } from "./external-targets.js";

// The daemon side: SetTcs, FlushIPSets, SetIptablesChains, and the capability judgement both sides share
export * from "./daemon/index.js";
