import { createHash } from "node:crypto";

/**
 * Chaos Mesh's CompressName: a name of at most `length` characters made from a chaos object's
 * name and a postfix. Names shorter than 6 are kept whole (`name_postfix`); longer ones keep their
 * first 5 characters and a sha256 of the rest, so the ipsets and chains a Chaos Mesh manager would
 * create are the ones Faultline creates.
 *
 * @example
 * compressName("network-partition-example", 27, "net_tgt") // "netwo_<hex>_net_tgt"
 */
export function compressName(name: string, length: number, postfix: string): string {
  if (name.length < 6) return `${name}_${postfix}`;
  const hash = createHash("sha256").update(name.slice(5)).digest("hex");
  return `${name.slice(0, 5)}_${hash.slice(0, length - 7 - postfix.length)}_${postfix}`;
}

/** The iptables chain of a chaos object's partition in one direction (Chaos Mesh's GenerateName). */
export function partitionChainName(chaosName: string, direction: "INPUT" | "OUTPUT"): string {
  return direction === "INPUT" ? `INPUT/${compressName(chaosName, 21, "")}` : `OUTPUT/${compressName(chaosName, 20, "")}`;
}

/** The ipset names of one chaos object's targets under `postfix` ("tgt", "netgt", "basrc"…). */
export function ipsetNames(chaosName: string, postfix: string) {
  return {
    net: compressName(chaosName, 27, `net_${postfix}`),
    netPort: compressName(chaosName, 27, `netport_${postfix}`),
    set: compressName(chaosName, 27, `set_${postfix}`),
    /** Faultline's own, only when there are IPv6 members (Chaos Mesh is IPv4 only). */
    net6: compressName(chaosName, 27, `net6_${postfix}`),
    netPort6: compressName(chaosName, 27, `netport6_${postfix}`),
  };
}
