import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { ExternalCidr } from "./network-chaos-rules.js";
import { toCidr } from "./network-chaos-rules.js";

/** Resolves a host name to its addresses, IPv4 and IPv6 (the manager's resolver by default). */
export type HostResolver = (host: string) => Promise<string[]>;

/** node:dns's lookup, every address of both families. */
export const dnsResolver: HostResolver = async (host) => (await lookup(host, { all: true })).map((a) => a.address);

/** Splits "host:port", "[v6]:port", a bare IPv6 address or CIDR, an IPv4 CIDR or a host name. */
export function splitExternalTarget(target: string): { host: string; port?: number } {
  const bracketed = /^\[(.+)\]:(\d+)$/.exec(target);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2]) };
  if ((target.match(/:/g) ?? []).length === 1) {
    const [host, port] = target.split(":");
    return { host: host!, port: Number(port) };
  }
  return { host: target };
}

/**
 * `externalTargets` as CIDRs, as Chaos Mesh's manager resolves them (IPs and CIDRs as they are, a
 * bare address as /32 — or /128: Faultline keeps IPv6 — host names through `resolve`), each with
 * its port when it had one. A host name that does not resolve is an error naming it.
 */
export async function resolveExternalTargets(targets: readonly string[], resolve: HostResolver = dnsResolver): Promise<ExternalCidr[]> {
  const out: ExternalCidr[] = [];
  for (const target of targets) {
    const { host, port } = splitExternalTarget(target);
    const withPort = (cidr: string): ExternalCidr => (port === undefined ? { cidr } : { cidr, port });
    if (host.includes("/") || isIP(host) !== 0) {
      out.push(withPort(toCidr(host)));
      continue;
    }
    let addresses: string[];
    try {
      addresses = await resolve(host);
    } catch (error) {
      throw new Error(`external target ${target}: cannot resolve ${host}: ${(error as Error).message}`);
    }
    if (addresses.length === 0) throw new Error(`external target ${target}: ${host} has no address`);
    for (const address of [...new Set(addresses)].sort()) out.push(withPort(toCidr(address)));
  }
  return out;
}
