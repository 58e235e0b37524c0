// How big a request the daemon accepts: the decoded size of one message, and how many entries each
// repeated field may hold. The limits are sized from the largest request a Faultline (or Chaos
// Mesh) manager legitimately sends; see "Request limits" in this library's README.
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";

/** Members (cidrs, cidrAndPorts, setNames) of one ipset: ipset's own default `maxelem`. */
export const maxMembersPerIpset = 65_536;
/** Members of every ipset of one request together: four full sets. */
export const maxMembersPerRequest = 4 * maxMembersPerIpset;
/** Ipsets, chains or tcs in one request, and any other repeated field not named below. */
export const maxEntriesPerRepeatedField = 1_024;

/**
 * The largest message the daemon reads, after decompression (`readMaxBytes`). A member is at most
 * a CIDR of 43 characters ("ffff:…:ffff/128") plus a port: ≤ 52 bytes on the wire with its tags
 * and lengths, so 262,144 members take ≤ 13.0 MiB; 1,024 named ipsets and chains add < 1 MiB.
 */
export const maxRequestBytes = 16 * 1024 * 1024;

/** Repeated fields whose members count toward {@link maxMembersPerIpset}. */
const memberFields: Record<string, ReadonlySet<string>> = {
  "pb.IPSet": new Set(["cidrs", "cidrAndPorts", "setNames"]),
};

/** Longest value of a field quoted in a refusal. */
const maxQuotedLength = 64;

interface Walk {
  members: number;
}

function typeNameOf(message: object): string {
  const name = (message as { $typeName?: unknown }).$typeName;
  return typeof name === "string" ? name : "message";
}

function check(message: object, path: string, walk: Walk): string | undefined {
  const typeName = typeNameOf(message);
  const members = memberFields[typeName];
  if (members !== undefined) {
    let count = 0;
    for (const field of members) count += ((message as Record<string, unknown>)[field] as unknown[] | undefined)?.length ?? 0;
    if (count > maxMembersPerIpset) {
      return `${path} has ${count} members (cidrs, cidrAndPorts and setNames together); at most ${maxMembersPerIpset} per ipset`;
    }
    walk.members += count;
    if (walk.members > maxMembersPerRequest) {
      return `the request's ipsets have more than ${maxMembersPerRequest} members together (at ${path})`;
    }
  }
  for (const [field, value] of Object.entries(message)) {
    if (field === "$typeName" || field === "$unknown") continue;
    const where = `${path}.${field}`;
    if (Array.isArray(value)) {
      if (!members?.has(field) && value.length > maxEntriesPerRepeatedField) {
        return `${where} has ${value.length} entries; at most ${maxEntriesPerRepeatedField}`;
      }
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item !== null && typeof item === "object" && !(item instanceof Uint8Array)) {
          const refusal = check(item, `${where}[${i}]`, walk);
          if (refusal !== undefined) return refusal;
        }
      }
    } else if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
      const refusal = check(value as object, where, walk);
      if (refusal !== undefined) return refusal;
    }
  }
  return undefined;
}

/**
 * Refuses (InvalidArgument, naming the field) a decoded request whose repeated fields hold more
 * entries than the daemon accepts: every repeated field at most {@link maxEntriesPerRepeatedField},
 * an ipset's members at most {@link maxMembersPerIpset}, a request's members at most
 * {@link maxMembersPerRequest}. Generic over the message, so a new RPC is bounded too.
 *
 * @example
 * checkRequestBounds(req.message); // throws ConnectError(InvalidArgument) when too large
 */
export function checkRequestBounds(message: object): void {
  const refusal = check(message, typeNameOf(message).replace(/^pb\./, ""), { members: 0 });
  if (refusal !== undefined) throw new ConnectError(refusal, Code.InvalidArgument);
}

/** A request field as it may be logged: a string cut to a bounded length, marked when cut. */
export function truncateForLog(value: string, max = maxQuotedLength): string {
  return value.length <= max ? value : `${value.slice(0, max)}…(${value.length} chars)`;
}

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/**
 * gzip for the daemon's server: inflates at most `readMaxBytes` (zlib's maxOutputLength stops it
 * there), so a small compressed request cannot inflate into the daemon's memory; over that, it is
 * refused with ResourceExhausted. (connect-node's own gzip does the same but recognises zlib's
 * error with `instanceof Error`, which fails across realms; this checks the error's code.)
 */
export const boundedGzip: Compression = {
  name: "gzip",
  async compress(bytes) {
    return new Uint8Array(await gzipAsync(bytes));
  },
  async decompress(bytes, readMaxBytes) {
    if (bytes.length === 0) return new Uint8Array(0);
    try {
      return new Uint8Array(await gunzipAsync(bytes, { maxOutputLength: readMaxBytes }));
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === "ERR_BUFFER_TOO_LARGE") {
        throw new ConnectError(`message is larger than configured readMaxBytes ${readMaxBytes} after decompression`, Code.ResourceExhausted);
      }
      throw new ConnectError("decompression failed: not valid gzip", Code.InvalidArgument);
    }
  },
};
