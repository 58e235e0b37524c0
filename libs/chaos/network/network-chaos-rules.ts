import { Chain_Direction, Tc_Type, type Chain, type Netem, type Tbf } from "@faultline/api";
import type { NetworkChaosSpec } from "./network-chaos-crd.js";
import { ipsetNames, partitionChainName } from "./network-chaos-names.js";

/** A generated message's fields, without protobuf-es's bookkeeping. */
type Plain<M> = Omit<M, "$typeName" | "$unknown">;

/** An ipset as SetIptablesChains and SetTcs refer to it (the IPSet message, plain). */
export interface IpsetRule {
  name: string;
  type: "hash:net" | "hash:net,port" | "list:set";
  cidrs: string[];
  cidrAndPorts: { cidr: string; port: number }[];
  setNames: string[];
}

/** An iptables chain (the Chain message, plain): drop what matches `ipsets` (all traffic when empty). */
export type ChainRule = Plain<Chain>;

/** The Netem message, plain (no parent or handle: the daemon lays qdiscs out); probabilities and correlations in percent. */
export type NetemRule = Omit<Plain<Netem>, "parent" | "handle">;

/** The Tbf message, plain. */
export type TbfRule = Plain<Tbf>;

/** A tc rule (the Tc message, plain): netem or tbf, on all egress or toward `ipset` only. */
export interface TcRule {
  type: Tc_Type;
  netem?: NetemRule;
  tbf?: TbfRule;
  ipset: string;
  protocol: string;
  device: string;
}

/** Everything one pod's network namespace must hold: the three RPCs' contents. */
export interface PodNetworkRules {
  ipsets: IpsetRule[];
  chains: ChainRule[];
  tcs: TcRule[];
}

/** A resolved external target: a CIDR (`/32`, `/128` for single addresses) and an optional port. */
export interface ExternalCidr {
  cidr: string;
  port?: number;
}

/** One NetworkChaos as it concerns one pod: its spec, the pod's role(s) in it, the other end's addresses. */
export interface NetworkChaosOnPod {
  /** The chaos object's name (ipset and chain names derive from it, as in Chaos Mesh). */
  name: string;
  spec: NetworkChaosSpec;
  /** The pod was chosen by the chaos's own selector (records with selectorKey "."). */
  source: boolean;
  /** The pod was chosen by `target` (records with selectorKey ".Target"). */
  target: boolean;
  /** IPs of the pods chosen by the selector. */
  sourceIps: string[];
  /** IPs of the pods chosen by `target`. */
  targetIps: string[];
  /** `externalTargets`, resolved. */
  external: ExternalCidr[];
}

const isIpv6 = (cidr: string) => cidr.includes(":");
/** An address as a CIDR of itself; a CIDR unchanged. */
export function toCidr(address: string): string {
  if (address.includes("/")) return address;
  return isIpv6(address) ? `${address}/128` : `${address}/32`;
}

/** "eth0@if12" → "eth0", as Chaos Mesh's defaulting webhook does. */
export function deviceName(device: string | undefined): string {
  return (device ?? "").split("@")[0]!;
}

/** A percent string of the spec as the float the daemon gets. */
const percent = (value: string | undefined) => (value === undefined || value === "" ? 0 : Number.parseFloat(value));

const emptyNetem = (): NetemRule => ({
  time: "",
  jitter: "",
  delayCorr: 0,
  limit: 0,
  loss: 0,
  lossCorr: 0,
  gap: 0,
  duplicate: 0,
  duplicateCorr: 0,
  reorder: 0,
  reorderCorr: 0,
  corrupt: 0,
  corruptCorr: 0,
  rate: "",
});

/**
 * The Netem message of a tc action's spec: `netem` combines every sub-spec present (delay, loss,
 * duplicate, corrupt, rate); `delay`, `loss`, `duplicate`, `corrupt` and `rate` use their own.
 */
export function netemOf(spec: NetworkChaosSpec): NetemRule {
  const netem = emptyNetem();
  const uses = (part: "delay" | "loss" | "duplicate" | "corrupt" | "rate") => spec.action === "netem" || spec.action === part;
  if (uses("delay") && spec.delay) {
    netem.time = spec.delay.latency;
    netem.jitter = spec.delay.jitter ?? "0ms";
    netem.delayCorr = percent(spec.delay.correlation);
    if (spec.delay.reorder) {
      netem.reorder = percent(spec.delay.reorder.reorder);
      netem.reorderCorr = percent(spec.delay.reorder.correlation);
      netem.gap = spec.delay.reorder.gap;
    }
  }
  if (uses("loss") && spec.loss) {
    netem.loss = percent(spec.loss.loss);
    netem.lossCorr = percent(spec.loss.correlation);
  }
  if (uses("duplicate") && spec.duplicate) {
    netem.duplicate = percent(spec.duplicate.duplicate);
    netem.duplicateCorr = percent(spec.duplicate.correlation);
  }
  if (uses("corrupt") && spec.corrupt) {
    netem.corrupt = percent(spec.corrupt.corrupt);
    netem.corruptCorr = percent(spec.corrupt.correlation);
  }
  if (uses("rate") && spec.rate) netem.rate = spec.rate.rate;
  return netem;
}

/** The Tbf message of a bandwidth spec: peakrate and minburst only when both are set (Chaos Mesh's rule). */
export function tbfOf(bandwidth: NonNullable<NetworkChaosSpec["bandwidth"]>): TbfRule {
  const both = bandwidth.peakrate !== undefined && bandwidth.minburst !== undefined;
  return {
    rate: bandwidth.rate,
    limit: bandwidth.limit,
    buffer: bandwidth.buffer,
    peakRate: both ? BigInt(bandwidth.peakrate!) : 0n,
    minBurst: both ? bandwidth.minburst! : 0,
  };
}

/**
 * The ipsets holding `ips` (pods, as /32 or /128) and `external` under `postfix`, and the name of
 * the list:set that unites them: Chaos Mesh's trio `net_`, `netport_`, `set_`, plus Faultline's
 * `net6_`/`netport6_` when there are IPv6 members.
 */
export function targetIpsets(chaosName: string, postfix: string, ips: readonly string[], external: readonly ExternalCidr[]) {
  const names = ipsetNames(chaosName, postfix);
  const cidrs = [...ips.map(toCidr), ...external.filter((e) => e.port === undefined).map((e) => e.cidr)];
  const withPorts = external.filter((e) => e.port !== undefined).map((e) => ({ cidr: e.cidr, port: e.port! }));
  const set = (name: string, type: IpsetRule["type"], members: Partial<IpsetRule>): IpsetRule => ({
    name,
    type,
    cidrs: [],
    cidrAndPorts: [],
    setNames: [],
    ...members,
  });
  const ipsets = [
    set(names.net, "hash:net", { cidrs: cidrs.filter((c) => !isIpv6(c)) }),
    set(names.netPort, "hash:net,port", { cidrAndPorts: withPorts.filter((c) => !isIpv6(c.cidr)) }),
  ];
  const v6 = cidrs.filter(isIpv6);
  const v6Ports = withPorts.filter((c) => isIpv6(c.cidr));
  if (v6.length > 0) ipsets.push(set(names.net6, "hash:net", { cidrs: v6 }));
  if (v6Ports.length > 0) ipsets.push(set(names.netPort6, "hash:net,port", { cidrAndPorts: v6Ports }));
  ipsets.push(set(names.set, "list:set", { setNames: ipsets.map((s) => s.name) }));
  return { ipsets, setName: names.set };
}

const chain = (name: string, direction: Chain_Direction, ipsets: string[], device: string): ChainRule => ({
  name,
  direction,
  ipsets,
  target: "DROP",
  device,
  protocol: "",
  sourcePorts: "",
  destinationPorts: "",
  tcpFlags: "",
});

const tcActions = new Set(["netem", "delay", "loss", "duplicate", "corrupt", "rate", "bandwidth"]);

/**
 * What one NetworkChaos needs in one pod's network namespace, with Chaos Mesh's semantics:
 *
 * - tc actions shape egress only. A source pod (`to`/`both`) shapes its traffic toward the targets
 *   and external targets (all of its egress when the spec names neither); a target pod (`from`/`both`)
 *   shapes its traffic toward the source pods — that is how `from` works.
 * - partition: a source pod drops output to (`to`/`both`) and input from (`from`/`both`) the targets
 *   and external targets (all traffic when the spec names neither); a target pod drops output to
 *   (`from`/`both`) and input from (`to`/`both`) the source pods.
 */
export function rulesOf(chaos: NetworkChaosOnPod): PodNetworkRules {
  const { spec, name } = chaos;
  const direction = spec.direction ?? "to";
  const rules: PodNetworkRules = { ipsets: [], chains: [], tcs: [] };
  const sourceDevice = deviceName(spec.device);
  const targetDevice = deviceName(spec.targetDevice);
  const toTargets = direction === "to" || direction === "both";
  const fromTargets = direction === "from" || direction === "both";
  // Without target and externalTargets the fault covers all traffic; with them, only traffic to
  // their addresses — and none when none is known (target pods gone), never all of it.
  const peersAsked = spec.target !== undefined || (spec.externalTargets?.length ?? 0) > 0;

  if (tcActions.has(spec.action)) {
    const type = spec.action === "bandwidth" ? Tc_Type.BANDWIDTH : Tc_Type.NETEM;
    const prefix = type === Tc_Type.BANDWIDTH ? "ba" : "ne";
    const tc = (ipset: string, device: string): TcRule => ({
      type,
      ...(type === Tc_Type.BANDWIDTH ? { tbf: tbfOf(spec.bandwidth!) } : { netem: netemOf(spec) }),
      ipset,
      protocol: "",
      device,
    });
    const shape = (postfix: string, ips: string[], external: ExternalCidr[], device: string) => {
      if (ips.length === 0 && external.length === 0) {
        if (!peersAsked) rules.tcs.push(tc("", device));
        return;
      }
      const { ipsets, setName } = targetIpsets(name, postfix, ips, external);
      rules.ipsets.push(...ipsets);
      rules.tcs.push(tc(setName, device));
    };
    if (chaos.source && toTargets) shape(`${prefix}tgt`, chaos.targetIps, chaos.external, sourceDevice);
    if (chaos.target && fromTargets) shape(`${prefix}src`, chaos.sourceIps, [], targetDevice);
    return rules;
  }

  // partition
  const drop = (postfix: string, ips: string[], external: ExternalCidr[], directions: Chain_Direction[], device: string) => {
    if (directions.length === 0) return;
    let matched: string[] = [];
    if (ips.length === 0 && external.length === 0 && peersAsked) return;
    if (ips.length > 0 || external.length > 0) {
      const { ipsets, setName } = targetIpsets(name, postfix, ips, external);
      rules.ipsets.push(...ipsets);
      matched = [setName];
    }
    for (const d of directions) {
      rules.chains.push(chain(partitionChainName(name, d === Chain_Direction.INPUT ? "INPUT" : "OUTPUT"), d, matched, device));
    }
  };
  if (chaos.source) {
    const directions = [...(toTargets ? [Chain_Direction.OUTPUT] : []), ...(fromTargets ? [Chain_Direction.INPUT] : [])];
    drop("tgt", chaos.targetIps, chaos.external, directions, sourceDevice);
  }
  if (chaos.target) {
    const directions = [...(fromTargets ? [Chain_Direction.OUTPUT] : []), ...(toTargets ? [Chain_Direction.INPUT] : [])];
    drop("src", chaos.sourceIps, [], directions, targetDevice);
  }
  return rules;
}

/** A role a NetworkChaos gives a pod: chosen by its `selector` or by its `target`. */
export type NetworkChaosRole = "selected" | "target";

/**
 * The roles `chaos` gives its pod that ask for rules but would get none because no address of the
 * other end is known (the target pods, or the selected pods, have no IP yet or are gone, and there
 * is no external target): a partition in either role, a tc action on a selected pod with `to`/`both`
 * or on a target pod with `from`/`both`. An injection there would change nothing, so the manager
 * does not report it as Injected. A role that asks for nothing (a tc target with `to`) is not listed.
 */
export function rolesWithoutPeers(chaos: NetworkChaosOnPod): NetworkChaosRole[] {
  const { spec } = chaos;
  const direction = spec.direction ?? "to";
  const partition = !tcActions.has(spec.action);
  const peersAsked = spec.target !== undefined || (spec.externalTargets?.length ?? 0) > 0;
  const roles: NetworkChaosRole[] = [];
  const sourceActs = partition || direction === "to" || direction === "both";
  const targetActs = partition || direction === "from" || direction === "both";
  if (chaos.source && sourceActs && peersAsked && chaos.targetIps.length === 0 && chaos.external.length === 0) roles.push("selected");
  if (chaos.target && targetActs && chaos.sourceIps.length === 0) roles.push("target");
  return roles;
}

/**
 * One pod's whole desired state: every NetworkChaos that wants to be injected on it, in the order
 * given (callers sort by namespace/name so the answer does not depend on listing order). An empty
 * list is the recovered state: no ipsets, no chains, no tcs.
 */
export function podNetworkRules(chaos: readonly NetworkChaosOnPod[]): PodNetworkRules {
  const all: PodNetworkRules = { ipsets: [], chains: [], tcs: [] };
  for (const one of chaos) {
    const rules = rulesOf(one);
    all.ipsets.push(...rules.ipsets);
    all.chains.push(...rules.chains);
    all.tcs.push(...rules.tcs);
  }
  return all;
}
