import { Tc_Type, type NodeCapabilities } from "@faultline/api";
import type { NetemRule, PodNetworkRules, TcRule } from "./network-chaos-rules.js";

/** What a node lacks for some rules, and what it will do instead where it has a fallback. */
export interface CapabilityVerdict {
  /** Each missing piece, named for the operator ("sch_netem (tc qdisc netem)"); empty: the node can do it. */
  missing: string[];
  /** Fallbacks the daemon will use, one sentence each (loss without netem: iptables statistic). */
  fallbacks: string[];
}

/** Whether a netem rule asks for nothing but uncorrelated loss (the one netem the daemon can do with iptables). */
export function isPlainLoss(netem: NetemRule): boolean {
  return (
    netem.loss > 0 &&
    netem.lossCorr === 0 &&
    netem.time === "" &&
    netem.duplicate === 0 &&
    netem.corrupt === 0 &&
    netem.reorder === 0 &&
    netem.rate === "" &&
    netem.limit === 0
  );
}

const describeTc = (tc: TcRule) => (tc.type === Tc_Type.BANDWIDTH ? "bandwidth" : "netem");

/**
 * Checks `rules` against what a node's daemon said it can do (GetNodeCapabilities), so the manager
 * refuses what the node cannot perform before anything is sent, instead of half-injecting:
 * ipsets need ipset, chains need an iptables backend (and its `set` match when they name ipsets),
 * netem needs sch_netem — except uncorrelated loss, which falls back to iptables' `statistic` match
 * — bandwidth needs tbf, and tc toward targets needs a filtering layout (htb, or prio and sfq).
 */
export function checkCapabilities(rules: PodNetworkRules, caps: NodeCapabilities): CapabilityVerdict {
  const missing = new Set<string>();
  const fallbacks: string[] = [];
  const qdisc = (name: string) => caps.qdiscs.includes(name);
  const extension = (name: string) => caps.iptablesExtensions.length === 0 || caps.iptablesExtensions.includes(name);
  const usesIptables = rules.chains.length > 0;
  if (rules.ipsets.length > 0 && !caps.ipset) missing.add("ipset (kernel ip_set and the ipset command)");
  if (usesIptables && caps.iptablesBackend === "") missing.add("iptables (neither the nf_tables nor the legacy backend works)");
  if (rules.chains.some((c) => c.ipsets.length > 0) && !extension("set")) missing.add("the iptables set match (xt_set)");
  const ipv6 = rules.ipsets.some((set) => set.cidrs.some((c) => c.includes(":")) || set.cidrAndPorts.some((c) => c.cidr.includes(":")));
  if (ipv6 && !caps.ipsetInet6) missing.add("IPv6 ipsets (ipset family inet6)");
  if (ipv6 && usesIptables && !caps.ip6tables) missing.add("ip6tables (IPv6 targets)");
  for (const tc of rules.tcs) {
    if (tc.type === Tc_Type.NETEM) {
      if (qdisc("netem")) continue;
      if (isPlainLoss(tc.netem!) && caps.iptablesBackend !== "" && extension("statistic")) {
        fallbacks.push(
          `the node has no sch_netem: loss ${tc.netem!.loss}% is done with iptables' statistic match (random drop) instead`,
        );
        continue;
      }
      missing.add("sch_netem (tc qdisc netem)");
    } else if (!qdisc("tbf")) missing.add("sch_tbf (tc qdisc tbf)");
    if (tc.ipset !== "" && !qdisc("htb") && !(qdisc("prio") && qdisc("sfq"))) {
      missing.add(`a qdisc to shape ${describeTc(tc)} toward targets only (htb, or prio and sfq)`);
    }
  }
  return { missing: [...missing], fallbacks };
}
