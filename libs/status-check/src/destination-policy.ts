import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { BlockList, isIP } from "node:net";

/**
 * The destinations a StatusCheck refuses by default: the link-local ranges, where clouds serve
 * instance metadata and credentials (169.254.169.254 on AWS, GCP and Azure; 169.254.170.2 for ECS
 * tasks; fe80::/10), AWS's IPv6 metadata address and Alibaba Cloud's metadata address.
 */
export const defaultRefusedDestinations: readonly string[] = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32"];

/** Thrown for a destination the policy refuses; a probe reports its message as the Failure's reason. */
export class RefusedDestinationError extends Error {
  override name = "RefusedDestinationError";
  constructor(
    readonly address: string,
    readonly range: string,
  ) {
    super(`destination ${address} is refused by the manager's StatusCheck policy (${range}); nothing was sent`);
  }
}

/** Addresses a StatusCheck must never reach, as CIDR ranges. */
export interface DestinationPolicy {
  /** The ranges, as given. */
  readonly ranges: readonly string[];
  /** The range that refuses `address` (an IPv4 or IPv6 literal), or `undefined` when it may be reached. */
  refusing(address: string): string | undefined;
  /**
   * A `lookup` for `net.connect`: resolves as `dns.lookup` does and fails with a
   * {@link RefusedDestinationError} when any address of the name is refused, so the check holds at
   * connect time, for the addresses actually dialled (no window for a name to change its answer).
   */
  lookup: typeof dnsLookup;
}

/** A range's parts, or an error naming it. */
function parseRange(text: string): { network: string; prefix: number; family: "ipv4" | "ipv6" } {
  const [network = "", prefixText, ...rest] = text.trim().split("/");
  const version = isIP(network);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (version === 0 || rest.length > 0 || !/^\d*$/.test(prefixText ?? "") || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new Error(`not an IP address or CIDR range: ${JSON.stringify(text)} (for example 169.254.0.0/16 or fd00:ec2::254/128)`);
  }
  return { network, prefix, family: version === 4 ? "ipv4" : "ipv6" };
}

/**
 * A policy refusing the given CIDR ranges (or single addresses). An IPv4 range refuses the
 * address in its IPv4-mapped IPv6 form too (`::ffff:169.254.169.254`).
 *
 * @example
 * const policy = createDestinationPolicy(defaultRefusedDestinations);
 * policy.refusing("169.254.169.254"); // "169.254.0.0/16"
 * policy.refusing("10.96.0.10");      // undefined
 * @throws {Error} naming a range that is not an address or CIDR
 */
export function createDestinationPolicy(ranges: readonly string[]): DestinationPolicy {
  const parsed = ranges.map((text) => ({ text, ...parseRange(text) }));
  const lists = parsed.map((range) => {
    const list = new BlockList();
    list.addSubnet(range.network, range.prefix, range.family);
    return { text: range.text, list };
  });
  const refusing = (address: string): string | undefined => {
    const version = isIP(address);
    if (version === 0) return undefined;
    const mapped = version === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
    for (const { text, list } of lists) {
      if (list.check(address, version === 4 ? "ipv4" : "ipv6")) return text;
      if (mapped !== undefined && list.check(mapped, "ipv4")) return text;
    }
    return undefined;
  };
  const lookup = ((hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === "function" ? options : callback) as (error: Error | null, address?: string | LookupAddress[], family?: number) => void;
    const opts = (typeof options === "object" && options !== null ? options : typeof options === "number" ? { family: options } : {}) as LookupAllOptions & { all?: boolean };
    dnsLookup(hostname, { ...opts, all: true }, (error, addresses) => {
      if (error) return cb(error);
      for (const { address } of addresses) {
        const range = refusing(address);
        if (range !== undefined) return cb(new RefusedDestinationError(address, range));
      }
      if (opts.all) return cb(null, addresses);
      const first = addresses[0];
      if (!first) return cb(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }));
      return cb(null, first.address, first.family);
    });
  }) as typeof dnsLookup;
  return { ranges: parsed.map((r) => r.text), refusing, lookup };
}
