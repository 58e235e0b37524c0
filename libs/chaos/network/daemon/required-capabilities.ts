import { Tc_Type, type Chain, type IPSet, type NodeCapabilities, type Tc } from "@faultline/api";
import { nodeCapabilityFlags } from "@faultline/daemon-server";
import { defaultDevice, validTc } from "./network-request-validation.js";
import { isPlainLoss } from "./traffic-control-plan.js";

/** A piece a node lacks for a network state: its capability name (as on /metrics) and what needs it. */
export interface MissingCapability {
  capability: string;
  needed: string;
}

/** A pod's whole network state, as the three RPCs carry it. */
export interface NetworkState {
  tcs?: readonly Tc[];
  chains?: readonly Chain[];
  ipsets?: readonly IPSet[];
}

const isIpv6 = (cidr: string) => cidr.includes(":");

/**
 * What the node (its GetNodeCapabilities answer) lacks to put this state in place, with the same
 * choices the daemon makes: netem-less plain loss needs iptables' statistic match instead of
 * netem; per-target tcs need CLASSIFY (and `set`) plus prio+sfq or htb. `[]` = the node can do it.
 * Pure, so the manager can refuse before injecting anything.
 *
 * @example
 * requiredCapabilities({ tcs: [delayTc] }, caps) // [{ capability: "qdisc/netem", needed: "delay/duplicate/corrupt/… on eth0 (tc netem)" }]
 */
export function requiredCapabilities(state: NetworkState, caps: NodeCapabilities): MissingCapability[] {
  const has = nodeCapabilityFlags(caps);
  const missing = new Map<string, string>();
  const need = (capability: string, needed: string) => {
    if (!has.get(capability) && !missing.has(capability)) missing.set(capability, needed);
  };
  const ipsets = state.ipsets ?? [];
  const v6Sets = new Set(ipsets.filter((s) => s.cidrs.some(isIpv6) || s.cidrAndPorts.some((c) => isIpv6(c.cidr))).map((s) => s.name));
  for (const s of ipsets) {
    need("ipset", `ipset ${s.name}`);
    if (v6Sets.has(s.name)) need("ipset/inet6", `IPv6 members of ipset ${s.name}`);
  }
  for (const c of state.chains ?? []) {
    need("iptables", `iptables chain ${c.name}`);
    if (c.ipsets.length > 0) need("iptables/set", `chain ${c.name} matching ipsets`);
    if (c.sourcePorts.includes(",") || c.destinationPorts.includes(",")) need("iptables/multiport", `chain ${c.name} matching several ports`);
    if (c.ipsets.some((s) => v6Sets.has(s))) need("ip6tables", `chain ${c.name} matching IPv6 peers`);
  }
  const prioLayout = has.get("qdisc/prio") && has.get("qdisc/sfq");
  for (const tc of state.tcs ?? []) {
    const device = tc.device || defaultDevice;
    const filtered = tc.ipset !== "" || tc.protocol !== "";
    let qdisc = true;
    if (tc.type === Tc_Type.NETEM) {
      let plainLoss = false;
      try {
        const v = validTc(tc, "tc");
        plainLoss = v.kind === "netem" && isPlainLoss(v.netem);
      } catch {
        // an invalid tc is refused by the daemon for that reason, not for a missing piece
      }
      if (plainLoss && !has.get("qdisc/netem")) {
        qdisc = false;
        need("iptables", `loss on ${device} without netem (iptables statistic)`);
        need("iptables/statistic", `loss on ${device} without netem`);
      } else {
        need("qdisc/netem", `delay/loss/duplicate/corrupt on ${device} (tc netem)`);
      }
    } else {
      need("qdisc/tbf", `bandwidth on ${device} (tc tbf)`);
    }
    if (filtered) {
      if (tc.ipset !== "") need("iptables/set", `tc to the peers in ipset ${tc.ipset}`);
      if (tc.ipset !== "" && v6Sets.has(tc.ipset)) need("ip6tables", `tc to IPv6 peers in ${tc.ipset}`);
      if (qdisc) {
        need("iptables/CLASSIFY", `per-target tc on ${device} (iptables CLASSIFY)`);
        if (!prioLayout) need("qdisc/htb", `per-target tc on ${device} (htb classes; prio+sfq are missing too)`);
      } else if (!has.get("iptables")) {
        need("iptables", `per-target loss on ${device}`);
      }
    }
  }
  return [...missing].map(([capability, needed]) => ({ capability, needed }));
}

/**
 * One line for an event or error: `node n1 cannot inject this: it lacks qdisc/netem (delay on eth0 (tc netem))`.
 *
 * @example
 * describeMissingCapabilities("n1", requiredCapabilities(state, caps))
 */
export function describeMissingCapabilities(node: string, missing: readonly MissingCapability[]): string {
  return `node ${node} cannot inject this: it lacks ${missing.map((m) => `${m.capability} (${m.needed})`).join(", ")}`;
}
