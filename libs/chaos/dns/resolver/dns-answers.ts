// The answers DNSChaos's interceptor makes up itself, for a query whose name matches a rule.
//
//   error  → SERVFAIL: same id, the question(s) echoed, opcode, RD and CD copied from the query, RA
//            set, no records (what a recursive resolver answers when it cannot resolve a name).
//   random → NOERROR with ONE record of the queried type holding a random address, TTL 5 s:
//            A: a random global unicast IPv4 address (none of 0/8, 10/8, 127/8, 169.254/16,
//               172.16/12, 192.168/16, 100.64/10, multicast, reserved, documentation…);
//            AAAA: a random global unicast IPv6 address (in 2000::/3, none of its special ranges).
//            Any other type, or a class other than IN, gets NO made-up answer: the interceptor
//            forwards the query unchanged (so `random` on "api.example.test" leaves its MX, TXT,
//            SRV… records as they are; Chaos Mesh's CoreDNS plugin also only makes up A/AAAA).
// Only standard queries (opcode QUERY) with at least one question are answered here; anything
// else is forwarded (dnsActionResponse returns undefined).
// A query that carried an EDNS OPT record gets one back (RFC 6891), advertising 1232 bytes.

import dnsPacket from "dns-packet";
import type { DecodedPacket, Packet } from "dns-packet";
import ipaddr from "ipaddr.js";
import { randomBytes } from "node:crypto";

/** A DNSChaos action, as in Chaos Mesh's spec. */
export type DnsChaosAction = "error" | "random";

/** The TTL of a made-up `random` answer, in seconds: short, so a client soon asks again (and gets another address). */
export const dnsRandomAnswerTtlSeconds = 5;

const rcodeNoError = 0;
const rcodeServFail = 2;
const opcodeQuery = 0;
const ednsUdpPayload = 1232;

/** The opcode of a decoded message (the header's bits 11–14). */
function opcodeOf(query: DecodedPacket): number {
  return ((query.flags ?? 0) >> 11) & 0xf;
}

/** The header flags of our response to `query`: opcode, RD and CD copied, RA set, and the rcode. */
function responseFlags(query: DecodedPacket, rcode: number): number {
  const flags = query.flags ?? 0;
  return (
    (opcodeOf(query) << 11) |
    (flags & dnsPacket.RECURSION_DESIRED) |
    (flags & dnsPacket.CHECKING_DISABLED) |
    dnsPacket.RECURSION_AVAILABLE |
    rcode
  );
}

function ednsOf(query: DecodedPacket): Packet["additionals"] {
  const hasOpt = (query.additionals ?? []).some((a) => a.type === "OPT");
  return hasOpt ? [{ type: "OPT", name: ".", udpPayloadSize: ednsUdpPayload, flags: 0, options: [] } as never] : [];
}

/** The SERVFAIL response a resolver gives to `query` (action `error`), as wire bytes. */
export function servfailResponse(query: DecodedPacket): Buffer {
  return dnsPacket.encode({
    type: "response",
    id: query.id ?? 0,
    flags: responseFlags(query, rcodeServFail),
    questions: query.questions ?? [],
    answers: [],
    authorities: [],
    additionals: ednsOf(query),
  });
}

/** A random global unicast IPv4 address, e.g. "57.203.4.119". */
export function randomUnicastIPv4(): string {
  for (;;) {
    const addr = new ipaddr.IPv4([...randomBytes(4)]);
    // ipaddr.js calls "unicast" what is in none of its special ranges (private, loopback, …)
    if (addr.range() === "unicast" && addr.octets[0]! < 224) return addr.toString();
  }
}

/** A random global unicast IPv6 address in 2000::/3, e.g. "2a5f:…". */
export function randomGlobalUnicastIPv6(): string {
  for (;;) {
    const bytes = randomBytes(16);
    bytes[0] = 0x20 | (bytes[0]! & 0x1f); // 001x xxxx: 2000::/3
    const parts: number[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(bytes.readUInt16BE(i));
    const addr = new ipaddr.IPv6(parts);
    if (addr.range() === "unicast") return addr.toString();
  }
}

/**
 * The NOERROR response holding one random address of the queried type (action `random`), or
 * undefined when the query is not for A or AAAA in class IN (the interceptor then forwards it).
 */
export function randomAddressResponse(query: DecodedPacket): Buffer | undefined {
  const question = query.questions?.[0];
  if (question === undefined || (question.class ?? "IN") !== "IN") return undefined;
  if (question.type !== "A" && question.type !== "AAAA") return undefined;
  const data = question.type === "A" ? randomUnicastIPv4() : randomGlobalUnicastIPv6();
  return dnsPacket.encode({
    type: "response",
    id: query.id ?? 0,
    flags: responseFlags(query, rcodeNoError),
    questions: query.questions ?? [],
    answers: [{ type: question.type, class: "IN", name: question.name, ttl: dnsRandomAnswerTtlSeconds, data }],
    authorities: [],
    additionals: ednsOf(query),
  });
}

/**
 * What the interceptor answers itself for a query matched by a rule with `action`, or undefined
 * when the query is to be forwarded unchanged (not a standard query, no question, or `random` on
 * a type other than A/AAAA).
 */
export function dnsActionResponse(action: DnsChaosAction, query: DecodedPacket): Buffer | undefined {
  if (query.type !== "query" || opcodeOf(query) !== opcodeQuery || (query.questions ?? []).length === 0) return undefined;
  return action === "error" ? servfailResponse(query) : randomAddressResponse(query);
}
