import { create } from "@bufbuild/protobuf";
import { ChainSchema, IPSetSchema, Tc_Type, TcSchema, type NodeCapabilities } from "@faultline/api";
import { requiredCapabilities } from "./daemon/index.js";
import type { PodNetworkRules } from "./network-chaos-rules.js";

/** What a node lacks for some rules, and what it will do instead where it has a fallback. */
export interface CapabilityVerdict {
  /** Each missing piece with what needs it, as the daemon names them ("qdisc/netem (delay/… on eth0 (tc netem))"); empty: the node can do it. */
  missing: string[];
  /** Fallbacks the daemon will use, one sentence each (loss without netem: iptables statistic). */
  fallbacks: string[];
}

/** The rules as the three RPCs' messages. */
export function rulesAsMessages(rules: PodNetworkRules) {
  return {
    ipsets: rules.ipsets.map((s) => create(IPSetSchema, s)),
    chains: rules.chains.map((c) => create(ChainSchema, c)),
    tcs: rules.tcs.map((t) => create(TcSchema, t)),
  };
}

/**
 * Checks `rules` against what a node's daemon said it can do (GetNodeCapabilities), with the
 * daemon's own judgement (`requiredCapabilities` of ./daemon, which makes the choices the daemon
 * makes), so the manager refuses what the node cannot perform before anything is sent instead of
 * half-injecting. Uncorrelated loss on a node without sch_netem is no refusal: the daemon drops
 * with iptables' statistic match, and the verdict says so.
 */
export function checkCapabilities(rules: PodNetworkRules, caps: NodeCapabilities): CapabilityVerdict {
  const missing = requiredCapabilities(rulesAsMessages(rules), caps).map((m) => `${m.capability} (${m.needed})`);
  // chains and tcs name the list:set, which holds the inet6 sets: IPv6 peers need ip6tables too
  const v6 = rules.ipsets.filter((s) => s.cidrs.some((c) => c.includes(":")) || s.cidrAndPorts.some((c) => c.cidr.includes(":")));
  if (v6.length > 0 && !caps.ip6tables && !missing.some((m) => m.startsWith("ip6tables "))) {
    missing.push(`ip6tables (IPv6 peers in ipset ${v6[0]!.name})`);
  }
  const fallbacks: string[] = [];
  if (missing.length === 0 && !caps.qdiscs.includes("netem")) {
    for (const tc of rules.tcs) {
      if (tc.type === Tc_Type.NETEM) {
        fallbacks.push(`the node has no sch_netem: loss ${tc.netem!.loss}% is done with iptables' statistic match (random drop) instead`);
      }
    }
  }
  return { missing, fallbacks };
}
