import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { IPSetsRequestSchema, IptablesChainsRequestSchema, TcsRequestSchema, type NodeCapabilities, type PlannedStep } from "@faultline/api";
import { iptablesCommands } from "@faultline/daemon-server";
import { ipsetBuildScript } from "./daemon/ipset-state.js";
import { validChains, validIpsets, validTcs } from "./daemon/network-request-validation.js";
import { replaceScript, type OwnedChains } from "./daemon/owned-iptables-chains.js";
import { partitionChains, type IpsetFamilies } from "./daemon/partition-chains.js";
import { planTrafficControl } from "./daemon/traffic-control-plan.js";
import type { PodNetworkRules } from "./network-chaos-rules.js";
import { commandsOrRefusal, hostPidOf, inNamespacesArgv, requestJson } from "../record-plan/record-plan.js";

/** The three requests NetworkChaos sends for a pod's whole state, in Chaos Mesh's order. */
export interface NetworkRequests {
  flushIPSets: MessageInitShape<typeof IPSetsRequestSchema>;
  setIptablesChains: MessageInitShape<typeof IptablesChainsRequestSchema>;
  setTcs: MessageInitShape<typeof TcsRequestSchema>;
}

/**
 * FlushIPSets, SetIptablesChains and SetTcs for a pod's whole desired state (`rules`), through
 * `containerId` (any container of the pod: they share its network namespace): what the manager
 * sends and a plan shows.
 */
export function networkRequestsOf(containerId: string, podUid: string, rules: PodNetworkRules): NetworkRequests {
  const common = { containerId, enterNs: true, podUid };
  return { flushIPSets: { ...common, ipsets: rules.ipsets }, setIptablesChains: { ...common, chains: rules.chains }, setTcs: { ...common, tcs: rules.tcs } };
}

const none: OwnedChains = { chains: new Map(), hooks: [] };

/**
 * The plan's three daemon steps for a pod's requests: each request as JSON and the commands the
 * daemon runs for it in a network namespace that holds nothing of Faultline's yet, by the daemon's
 * own checks and builders with this node's capabilities: the `ipset restore` scripts
 * (`ipsetBuildScript`, hash sets before list:sets), the filter table's chains (`partitionChains`,
 * `replaceScript`: one iptables-restore per family), the `tc` commands and the mangle chain
 * (`planTrafficControl`). Every command through the runner's nsenter into the pod's network
 * namespace. Where the daemon's checks refuse a request, the refusal (and no commands).
 */
export function networkPlanSteps(nodeName: string, requests: NetworkRequests, caps: NodeCapabilities): { steps: PlannedStep[]; refusal?: string } {
  const pid = hostPidOf(`container ${requests.flushIPSets.containerId ?? ""}`);
  const inNs = (argv: string[]) => inNamespacesArgv(pid, ["net"], argv);
  const cmds = iptablesCommands(caps.iptablesBackend === "legacy" ? "legacy" : "nf_tables", "");
  const refusals: string[] = [];

  const ipsets = commandsOrRefusal(nodeName, "FlushIPSets", () => validIpsets(create(IPSetsRequestSchema, requests.flushIPSets).ipsets));
  const families: IpsetFamilies = new Map((ipsets.commands ?? []).map((s) => [s.name, s.family] as const));
  const ipsetStep: PlannedStep = { on: "daemon", rpc: "FlushIPSets", request: requestJson(IPSetsRequestSchema, requests.flushIPSets) };
  if (ipsets.commands) {
    const tiers = [ipsets.commands.filter((d) => d.type !== "list:set"), ipsets.commands.filter((d) => d.type === "list:set")].filter((t) => t.length > 0);
    ipsetStep.argv = tiers.map(() => inNs(["ipset", "restore"]));
    ipsetStep.note =
      tiers.length === 0
        ? "no ipset: the pod's sets of Faultline's are removed"
        : `stdin: ${tiers.map((t) => t.map((d) => ipsetBuildScript(d, d.name).trim().split("\n").join(" | ")).join(" | ")).join(" || ")} (each set built under a temporary name, then renamed or swapped into place)`;
  } else refusals.push(ipsets.refusal);

  const chains = commandsOrRefusal(nodeName, "SetIptablesChains", () => {
    const valid = validChains(create(IptablesChainsRequestSchema, requests.setIptablesChains).chains);
    const scripts = [{ restore: cmds.restore, script: replaceScript("filter", none, partitionChains(valid, "ipv4", families)) }];
    if (caps.ip6tables) scripts.push({ restore: cmds.ip6restore, script: replaceScript("filter", none, partitionChains(valid, "ipv6", families)) });
    return valid.length === 0 ? [] : scripts;
  });
  const chainStep: PlannedStep = { on: "daemon", rpc: "SetIptablesChains", request: requestJson(IptablesChainsRequestSchema, requests.setIptablesChains) };
  if (chains.commands) {
    chainStep.argv = chains.commands.map((c) => inNs([c.restore, "-w", "5", "--noflush"]));
    chainStep.note = chains.commands.length === 0 ? "no chain: the pod's chains of Faultline's are removed" : `stdin: ${chains.commands.map((c) => `${c.restore}: ${c.script.trim().split("\n").join(" | ")}`).join(" || ")}`;
  } else refusals.push(chains.refusal);

  const tcs = commandsOrRefusal(nodeName, "SetTcs", () => planTrafficControl(validTcs(create(TcsRequestSchema, requests.setTcs).tcs), caps, families));
  const tcStep: PlannedStep = { on: "daemon", rpc: "SetTcs", request: requestJson(TcsRequestSchema, requests.setTcs) };
  if (tcs.commands) {
    const plan = tcs.commands;
    const mangle = [{ restore: cmds.restore, chains: plan.mangle.ipv4 }, ...(caps.ip6tables ? [{ restore: cmds.ip6restore, chains: plan.mangle.ipv6 }] : [])].filter((m) => m.chains.chains.size > 0);
    tcStep.argv = [...plan.commands.map((c) => inNs(c)), ...mangle.map((m) => inNs([m.restore, "-w", "5", "--noflush"]))];
    tcStep.note = [
      plan.commands.length === 0 ? "no tc: the pod's root qdiscs of Faultline's are deleted" : "the tc commands run as one `tc -batch -` after the devices' root qdiscs of Faultline's are deleted",
      ...mangle.map((m) => `stdin of ${m.restore}: ${replaceScript("mangle", none, m.chains).trim().split("\n").join(" | ")}`),
      ...plan.notes,
    ].join("; ");
  } else refusals.push(tcs.refusal);

  return { steps: [ipsetStep, chainStep, tcStep], ...(refusals.length > 0 && { refusal: refusals.join("; ") }) };
}
