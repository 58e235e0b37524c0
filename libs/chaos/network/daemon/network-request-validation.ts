import { Code, ConnectError } from "@connectrpc/connect";
import { Chain_Direction, Tc_Type, type Chain, type IPSet, type Netem, type Tbf, type Tc } from "@faultline/api";
import ipaddr from "ipaddr.js";
import { networkDeviceNamePattern } from "./network-device-name.js";

/** Longest part of a request value a refusal quotes: errors are logged, and a field may hold megabytes. */
export const maxQuotedLength = 64;

/** A raw request value as a refusal quotes it: JSON, cut to {@link maxQuotedLength} characters with its length said. */
export function quoted(value: unknown): string {
  const text = typeof value === "string" ? value : String(value);
  return text.length <= maxQuotedLength ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, maxQuotedLength))}…(${text.length} chars)`;
}

/**
 * A request field the daemon refuses (InvalidArgument), named by its path in the request
 * (`tcs[0].netem.loss`). Its name stays "ConnectError": Connect recognises its errors by name.
 */
export class NetworkRequestError extends ConnectError {
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`, Code.InvalidArgument);
  }
}

/** The ipset types the daemon creates (Chaos Mesh's three). */
export type IpsetType = "hash:net" | "hash:net,port" | "list:set";
/** An ipset's address family; list:sets hold sets of either. */
export type IpsetFamily = "inet" | "inet6";

/** An ipset as the daemon creates it, members normalised (`10.0.0.1` → `10.0.0.1/32`). */
export interface ValidIpset {
  name: string;
  type: IpsetType;
  /** undefined for list:set */
  family: IpsetFamily | undefined;
  /** the `add` values: `cidr`, `cidr,port` or a set name */
  members: string[];
}

/** A chain of SetIptablesChains, validated. */
export interface ValidChain {
  name: string;
  direction: "INPUT" | "OUTPUT";
  ipsets: string[];
  target: "DROP" | "REJECT" | "ACCEPT" | "RETURN";
  protocol: string;
  sourcePorts: string;
  destinationPorts: string;
  /** `[mask, comp]`, e.g. `["SYN,ACK", "SYN"]` */
  tcpFlags: [string, string] | undefined;
  device: string;
}

/** Netem's parameters, validated: times in microseconds, percentages 0..100. */
export interface ValidNetem {
  delayUs: number;
  jitterUs: number;
  delayCorr: number;
  limit: number;
  loss: number;
  lossCorr: number;
  gap: number;
  duplicate: number;
  duplicateCorr: number;
  reorder: number;
  reorderCorr: number;
  corrupt: number;
  corruptCorr: number;
  rate: string;
}

/** Tbf's parameters, validated. */
export interface ValidTbf {
  rate: string;
  limit: number;
  buffer: number;
  peakRate: bigint;
  minBurst: number;
}

/** One tc of SetTcs, validated. */
export type ValidTc = { device: string; ipset: string; protocol: string } & (
  | { kind: "netem"; netem: ValidNetem }
  | { kind: "bandwidth"; tbf: ValidTbf }
);

/** Chaos Mesh's default device when a request names none. */
export const defaultDevice = "eth0";
/** Names the daemon keeps for itself: its hook chains and its temporary ipsets. */
export const reservedChainNames = ["CHAOS-INPUT", "CHAOS-OUTPUT", "FAULTLINE-TC"];
export const temporaryIpsetPrefix = "fltmp-";

const builtinChains = new Set(["INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"]);
const ipsetNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,30}$/;
const chainNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]{0,27}$/;
const ratePattern = /^[0-9]+(\.[0-9]+)?(bit|kbit|mbit|gbit|tbit|bps|kbps|mbps|gbps|tbps)$/i;
const goDurationPart = /([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
const unitUs: Record<string, number> = { ns: 1e-3, us: 1, µs: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 };
const maxDelayUs = 3600e6;
const tcpFlagNames = new Set(["SYN", "ACK", "FIN", "RST", "URG", "PSH", "ALL", "NONE"]);
const protocols = new Set(["tcp", "udp", "icmp", "icmpv6", "sctp", "all"]);

/** A device name ({@link networkDeviceNamePattern}, the grammar the CRD shares), or Chaos Mesh's default "eth0" when empty. */
export function validDevice(device: string, field: string): string {
  if (device === "") return defaultDevice;
  if (!networkDeviceNamePattern.test(device)) throw new NetworkRequestError(field, `${quoted(device)} is not a network device name (letters, digits, _ . -, at most 15)`);
  return device;
}

/** An ipset name: at most 31 characters of letters, digits and `_ . : -`, not the daemon's temporary prefix. */
export function validIpsetName(name: string, field: string): string {
  if (!ipsetNamePattern.test(name)) throw new NetworkRequestError(field, `${quoted(name)} is not an ipset name (letters, digits, _ . : -, at most 31)`);
  if (name.startsWith(temporaryIpsetPrefix) || name.startsWith("fl-probe")) throw new NetworkRequestError(field, `${quoted(name)} uses a prefix the daemon keeps for itself`);
  return name;
}

/** A CIDR or a bare address (→ /32 or /128), as `address/prefix`, with its family. */
export function validCidr(value: string, field: string): { cidr: string; family: IpsetFamily } {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    if (value.includes("/")) [addr, prefix] = ipaddr.parseCIDR(value);
    else {
      if (!ipaddr.isValid(value)) throw new Error("invalid");
      addr = ipaddr.parse(value);
      prefix = addr.kind() === "ipv4" ? 32 : 128;
    }
  } catch {
    throw new NetworkRequestError(field, `${quoted(value)} is not an IP address or CIDR`);
  }
  // ipaddr.js also accepts forms like "10.1" or "0x0a.0.0.1": only the canonical forms are taken
  const text = value.includes("/") ? value.slice(0, value.indexOf("/")) : value;
  if (addr.kind() === "ipv4" && !ipaddr.IPv4.isValidFourPartDecimal(text)) {
    throw new NetworkRequestError(field, `${quoted(value)} is not a dotted-quad IPv4 address or CIDR`);
  }
  if (prefix === 0) throw new NetworkRequestError(field, `${quoted(value)}: a /0 cannot be an ipset member; send no ipset to match every address`);
  return { cidr: `${addr.toString()}/${prefix}`, family: addr.kind() === "ipv4" ? "inet" : "inet6" };
}

function validPort(port: number, field: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new NetworkRequestError(field, `port ${port} is not in 1..65535`);
  return port;
}

/** An IPSet of FlushIPSets: name, type, and members that agree with the type and one family. */
export function validIpset(set: IPSet, field: string): ValidIpset {
  const name = validIpsetName(set.name, `${field}.name`);
  const type = (set.type === "" ? (set.cidrAndPorts.length > 0 ? "hash:net,port" : set.setNames.length > 0 ? "list:set" : "hash:net") : set.type) as IpsetType;
  if (!["hash:net", "hash:net,port", "list:set"].includes(type)) throw new NetworkRequestError(`${field}.type`, `${quoted(set.type)} is not one of hash:net, hash:net,port, list:set`);
  const wrong = (what: string, list: unknown[]) => {
    if (list.length > 0) throw new NetworkRequestError(`${field}.${what}`, `a ${type} set takes no ${what}`);
  };
  const families = new Set<IpsetFamily>();
  let members: string[];
  if (type === "hash:net") {
    wrong("cidrAndPorts", set.cidrAndPorts);
    wrong("setNames", set.setNames);
    members = set.cidrs.map((c, i) => {
      const v = validCidr(c, `${field}.cidrs[${i}]`);
      families.add(v.family);
      return v.cidr;
    });
  } else if (type === "hash:net,port") {
    wrong("cidrs", set.cidrs);
    wrong("setNames", set.setNames);
    members = set.cidrAndPorts.map((cp, i) => {
      const v = validCidr(cp.cidr, `${field}.cidrAndPorts[${i}].cidr`);
      families.add(v.family);
      return `${v.cidr},${validPort(cp.port, `${field}.cidrAndPorts[${i}].port`)}`;
    });
  } else {
    wrong("cidrs", set.cidrs);
    wrong("cidrAndPorts", set.cidrAndPorts);
    members = set.setNames.map((n, i) => {
      validIpsetName(n, `${field}.setNames[${i}]`);
      if (n === name) throw new NetworkRequestError(`${field}.setNames[${i}]`, "a list:set cannot hold itself");
      return n;
    });
  }
  if (families.size > 1) throw new NetworkRequestError(field, "mixes IPv4 and IPv6 members; one set holds one family");
  const unique = [...new Set(members)];
  return { name, type, family: type === "list:set" ? undefined : ([...families][0] ?? "inet"), members: unique };
}

/** The whole ipset list: each set valid, names unique, list:set members sets of the request or the namespace. */
export function validIpsets(sets: readonly IPSet[]): ValidIpset[] {
  const valid = sets.map((s, i) => validIpset(s, `ipsets[${i}]`));
  const seen = new Set<string>();
  valid.forEach((s, i) => {
    if (seen.has(s.name)) throw new NetworkRequestError(`ipsets[${i}].name`, `${s.name} is listed twice`);
    seen.add(s.name);
  });
  valid.forEach((s, i) => {
    if (s.type !== "list:set") return;
    for (const m of s.members) {
      const member = valid.find((v) => v.name === m);
      if (member?.type === "list:set") throw new NetworkRequestError(`ipsets[${i}].setNames`, `${m} is a list:set; a list:set holds hash sets only`);
    }
  });
  return valid;
}

function validPorts(ports: string, field: string): string {
  if (ports === "") return "";
  const parts = ports.split(",");
  if (parts.length > 15) throw new NetworkRequestError(field, "at most 15 ports or ranges");
  for (const p of parts) {
    const m = /^([0-9]{1,5})(?::([0-9]{1,5}))?$/.exec(p);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || lo > 65535 || hi > 65535 || hi < lo) throw new NetworkRequestError(field, `${quoted(p)} is not a port or a port range a:b in 0..65535`);
  }
  return ports;
}

function validProtocol(protocol: string, field: string): string {
  if (protocol !== "" && !protocols.has(protocol)) throw new NetworkRequestError(field, `${quoted(protocol)} is not one of ${[...protocols].join(", ")}`);
  return protocol;
}

/** A chain of SetIptablesChains: a name iptables accepts and the daemon does not keep, a known target, ports with a protocol. */
export function validChain(chain: Chain, field: string): ValidChain {
  const name = chain.name;
  if (!chainNamePattern.test(name)) throw new NetworkRequestError(`${field}.name`, `${quoted(name)} is not an iptables chain name (letters, digits, _ . : / -, at most 28)`);
  if (builtinChains.has(name) || reservedChainNames.includes(name)) throw new NetworkRequestError(`${field}.name`, `${name} is a chain the daemon does not let a request replace`);
  const direction = chain.direction === Chain_Direction.INPUT ? "INPUT" : chain.direction === Chain_Direction.OUTPUT ? "OUTPUT" : undefined;
  if (direction === undefined) throw new NetworkRequestError(`${field}.direction`, `${chain.direction} is neither INPUT nor OUTPUT`);
  const target = chain.target as ValidChain["target"];
  if (!["DROP", "REJECT", "ACCEPT", "RETURN"].includes(target)) throw new NetworkRequestError(`${field}.target`, `${quoted(chain.target)} is not one of DROP, REJECT, ACCEPT, RETURN`);
  const protocol = validProtocol(chain.protocol, `${field}.protocol`);
  const sourcePorts = validPorts(chain.sourcePorts, `${field}.sourcePorts`);
  const destinationPorts = validPorts(chain.destinationPorts, `${field}.destinationPorts`);
  if ((sourcePorts || destinationPorts) && !["tcp", "udp", "sctp"].includes(protocol)) throw new NetworkRequestError(`${field}.protocol`, "ports need protocol tcp, udp or sctp");
  let tcpFlags: ValidChain["tcpFlags"];
  if (chain.tcpFlags !== "") {
    const parts = chain.tcpFlags.trim().split(/\s+/);
    const ok = parts.length === 2 && parts.every((p) => p.split(",").every((f) => tcpFlagNames.has(f)));
    if (!ok) throw new NetworkRequestError(`${field}.tcpFlags`, `${quoted(chain.tcpFlags)} is not "<mask> <comp>" of SYN,ACK,FIN,RST,URG,PSH,ALL,NONE`);
    if (protocol !== "tcp") throw new NetworkRequestError(`${field}.tcpFlags`, "tcp flags need protocol tcp");
    tcpFlags = [parts[0]!, parts[1]!];
  }
  const ipsets = chain.ipsets.map((s, i) => validIpsetName(s, `${field}.ipsets[${i}]`));
  return { name, direction, ipsets, target, protocol, sourcePorts, destinationPorts, tcpFlags, device: validDevice(chain.device, `${field}.device`) };
}

/** The whole chain list: each valid, names unique. */
export function validChains(chains: readonly Chain[]): ValidChain[] {
  const valid = chains.map((c, i) => validChain(c, `chains[${i}]`));
  const seen = new Set<string>();
  valid.forEach((c, i) => {
    if (seen.has(c.name)) throw new NetworkRequestError(`chains[${i}].name`, `${c.name} is listed twice`);
    seen.add(c.name);
  });
  return valid;
}

/**
 * A Go duration ("10ms", "1.5s", "1m30s") or tc time ("100us") as whole microseconds; "" is 0.
 * tc itself knows no "m" or "h", so the daemon hands tc microseconds.
 */
export function durationMicros(value: string, field: string): number {
  if (value === "" || value === "0") return 0;
  let total = 0;
  goDurationPart.lastIndex = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = goDurationPart.exec(value)) !== null) {
    total += Number(m[1]) * unitUs[m[2]!]!;
    consumed = goDurationPart.lastIndex;
  }
  if (consumed !== value.length || consumed === 0 || !Number.isFinite(total)) {
    throw new NetworkRequestError(field, `${quoted(value)} is not a duration such as 10ms, 1.5s or 1m30s`);
  }
  if (total > maxDelayUs) throw new NetworkRequestError(field, `${quoted(value)} is longer than an hour`);
  return Math.round(total);
}

function validPercent(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) throw new NetworkRequestError(field, `${value} is not a percentage in 0..100`);
  return value;
}

function validRate(rate: string, field: string, required: boolean): string {
  if (rate === "" && !required) return "";
  if (!ratePattern.test(rate)) throw new NetworkRequestError(field, `${quoted(rate)} is not a rate such as 1mbit, 100kbps or 1gbit`);
  if (/^0+(\.0+)?[a-z]/i.test(rate)) throw new NetworkRequestError(field, "a rate of 0 stops all traffic; use a partition for that");
  return rate.toLowerCase();
}

function validNetem(n: Netem, field: string): ValidNetem {
  const v: ValidNetem = {
    delayUs: durationMicros(n.time, `${field}.time`),
    jitterUs: durationMicros(n.jitter, `${field}.jitter`),
    delayCorr: validPercent(n.delayCorr, `${field}.delayCorr`),
    limit: n.limit,
    loss: validPercent(n.loss, `${field}.loss`),
    lossCorr: validPercent(n.lossCorr, `${field}.lossCorr`),
    gap: n.gap,
    duplicate: validPercent(n.duplicate, `${field}.duplicate`),
    duplicateCorr: validPercent(n.duplicateCorr, `${field}.duplicateCorr`),
    reorder: validPercent(n.reorder, `${field}.reorder`),
    reorderCorr: validPercent(n.reorderCorr, `${field}.reorderCorr`),
    corrupt: validPercent(n.corrupt, `${field}.corrupt`),
    corruptCorr: validPercent(n.corruptCorr, `${field}.corruptCorr`),
    rate: validRate(n.rate, `${field}.rate`, false),
  };
  if (v.jitterUs > 0 && v.delayUs === 0) throw new NetworkRequestError(`${field}.jitter`, "jitter needs a delay (time)");
  if ((v.reorder > 0 || v.gap > 0) && v.delayUs === 0) throw new NetworkRequestError(`${field}.reorder`, "reorder needs a delay (time)");
  return v;
}

function validTbf(t: Tbf, field: string): ValidTbf {
  const rate = validRate(t.rate, `${field}.rate`, true);
  if (!Number.isInteger(t.buffer) || t.buffer < 1) throw new NetworkRequestError(`${field}.buffer`, "the buffer (burst, bytes) must be at least 1");
  if (!Number.isInteger(t.limit) || t.limit < 1) throw new NetworkRequestError(`${field}.limit`, "the limit (bytes queued) must be at least 1");
  if ((t.peakRate > 0n) !== (t.minBurst > 0)) throw new NetworkRequestError(`${field}.peakRate`, "peakRate and minBurst go together");
  return { rate, limit: t.limit, buffer: t.buffer, peakRate: t.peakRate, minBurst: t.minBurst };
}

/** One tc of SetTcs: its type's parameters present and in range, device, ipset and protocol well formed. */
export function validTc(tc: Tc, field: string): ValidTc {
  const base = {
    device: validDevice(tc.device, `${field}.device`),
    ipset: tc.ipset === "" ? "" : validIpsetName(tc.ipset, `${field}.ipset`),
    protocol: validProtocol(tc.protocol, `${field}.protocol`),
  };
  if (tc.type === Tc_Type.NETEM) {
    if (!tc.netem) throw new NetworkRequestError(`${field}.netem`, "a NETEM tc needs its netem parameters");
    return { ...base, kind: "netem", netem: validNetem(tc.netem, `${field}.netem`) };
  }
  if (tc.type === Tc_Type.BANDWIDTH) {
    if (!tc.tbf) throw new NetworkRequestError(`${field}.tbf`, "a BANDWIDTH tc needs its tbf parameters");
    return { ...base, kind: "bandwidth", tbf: validTbf(tc.tbf, `${field}.tbf`) };
  }
  throw new NetworkRequestError(`${field}.type`, `${tc.type} is neither NETEM nor BANDWIDTH`);
}

/** The whole tc list. */
export function validTcs(tcs: readonly Tc[]): ValidTc[] {
  return tcs.map((t, i) => validTc(t, `tcs[${i}]`));
}
