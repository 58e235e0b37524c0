import { create } from "@bufbuild/protobuf";
import { Chain_Direction, ChainSchema, IPSetSchema, Tc_Type, TcSchema, type NodeCapabilities } from "@faultline/api";
import { requiredCapabilities, type NetworkState } from "./daemon/index.js";

// One state per sort of NetworkChaos rule, judged by the daemon's own check (requiredCapabilities).
const peers = create(IPSetSchema, { name: "peers", cidrs: ["10.0.0.0/8"], type: "hash:net" });
const states: { what: string; state: NetworkState }[] = [
  { what: "delay/loss/duplicate/corrupt", state: { tcs: [create(TcSchema, { type: Tc_Type.NETEM, netem: { time: "10ms" } })] } },
  { what: "bandwidth", state: { tcs: [create(TcSchema, { type: Tc_Type.BANDWIDTH, tbf: { rate: "1mbps", limit: 10_000, buffer: 10_000 } })] } },
  { what: "partition", state: { ipsets: [peers], chains: [create(ChainSchema, { name: "partition", direction: Chain_Direction.OUTPUT, ipsets: ["peers"], target: "DROP" })] } },
  { what: "a target selector (per-peer tc)", state: { ipsets: [peers], tcs: [create(TcSchema, { type: Tc_Type.NETEM, netem: { time: "10ms" }, ipset: "peers" })] } },
];

/**
 * Whether a node can perform NetworkChaos, for the manager's status: every sort of rule
 * (netem, tbf, a partition's ipset and chain, per-peer tc) checked with the daemon's
 * `requiredCapabilities`, the check Apply makes on an object's own rules. Not capable names each
 * sort it cannot do and what is missing; what Apply would do for one object is its own check.
 */
export function networkNodeCapability(caps: NodeCapabilities): { capable: boolean; reason?: string } {
  const gaps: string[] = [];
  for (const { what, state } of states) {
    const missing = requiredCapabilities(state, caps);
    if (missing.length > 0) gaps.push(`${what}: lacks ${[...new Set(missing.map((m) => m.capability))].join(", ")}`);
  }
  return gaps.length === 0 ? { capable: true } : { capable: false, reason: gaps.join("; ") };
}
