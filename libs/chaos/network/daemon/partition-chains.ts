import type { ChainHook, OwnedChains } from "./owned-iptables-chains.js";
import type { IpsetFamily, ValidChain } from "./network-request-validation.js";

/** SetIptablesChains' hooks: the filter table's INPUT and OUTPUT jump to CHAOS-INPUT / CHAOS-OUTPUT, as Chaos Mesh's do. */
export const partitionHooks: readonly ChainHook[] = [
  { builtin: "INPUT", chain: "CHAOS-INPUT" },
  { builtin: "OUTPUT", chain: "CHAOS-OUTPUT" },
];

/** Which families an ipset matches in: its own, or both for a list:set (its members decide). */
export type IpsetFamilies = ReadonlyMap<string, IpsetFamily | undefined>;

function portMatch(direction: "s" | "d", ports: string): string[] {
  if (ports === "") return [];
  return ports.includes(",") ? ["-m", "multiport", `--${direction}ports`, ports] : [`--${direction}port`, ports];
}

/**
 * The rule specs of one chain in one family, Chaos Mesh's: per ipset `-i|-o <device> -m set
 * --match-set <set> src,dst|dst,dst … -j <target>` (INPUT matches the peer as source, OUTPUT as
 * destination), or one rule for the whole device when the chain names no ipset. Sets of the other
 * family are left out of this family's rules.
 */
export function chainRules(chain: ValidChain, family: "ipv4" | "ipv6", ipsetFamilies: IpsetFamilies): string[] {
  const iface = chain.direction === "INPUT" ? ["-i", chain.device] : ["-o", chain.device];
  const flags = chain.direction === "INPUT" ? "src,dst" : "dst,dst";
  const proto = chain.protocol === "" ? [] : ["-p", chain.protocol === "icmp" && family === "ipv6" ? "ipv6-icmp" : chain.protocol];
  const tail = [
    ...portMatch("s", chain.sourcePorts),
    ...portMatch("d", chain.destinationPorts),
    ...(chain.tcpFlags ? ["--tcp-flags", ...chain.tcpFlags] : []),
    "-j",
    chain.target,
  ];
  const want = family === "ipv4" ? "inet" : "inet6";
  if (chain.ipsets.length === 0) return [[...iface, ...proto, ...tail].join(" ")];
  return chain.ipsets
    .filter((s) => {
      const f = ipsetFamilies.get(s);
      return f === undefined || f === want;
    })
    .map((s) => [...iface, ...proto, "-m", "set", "--match-set", s, flags, ...tail].join(" "));
}

/** The filter table's desired daemon chains for one family; no chains → nothing (everything removed). */
export function partitionChains(chains: readonly ValidChain[], family: "ipv4" | "ipv6", ipsetFamilies: IpsetFamilies): OwnedChains {
  if (chains.length === 0) return { chains: new Map(), hooks: [] };
  const owned = new Map<string, string[]>([
    ["CHAOS-INPUT", chains.filter((c) => c.direction === "INPUT").map((c) => `-j ${c.name}`)],
    ["CHAOS-OUTPUT", chains.filter((c) => c.direction === "OUTPUT").map((c) => `-j ${c.name}`)],
  ]);
  for (const c of chains) owned.set(c.name, chainRules(c, family, ipsetFamilies));
  return { chains: owned, hooks: [...partitionHooks] };
}
