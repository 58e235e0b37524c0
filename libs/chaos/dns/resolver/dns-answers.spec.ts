import { describe, expect, it } from "@jest/globals";
import dnsPacket from "dns-packet";
import type { Packet } from "dns-packet";
import ipaddr from "ipaddr.js";
import {
  dnsActionResponse,
  dnsRandomAnswerTtlSeconds,
  randomGlobalUnicastIPv6,
  randomUnicastIPv4,
  servfailResponse,
} from "./dns-answers.js";

/** A query as a client sends it, decoded as the interceptor decodes it. */
function query(name: string, type: "A" | "AAAA" | "MX" | "TXT", extra: Partial<Packet> = {}) {
  return dnsPacket.decode(
    dnsPacket.encode({ type: "query", id: 0x4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }], ...extra }),
  );
}

describe("servfailResponse (action error)", () => {
  it("answers SERVFAIL with the same id, the question echoed, RD copied and RA set, and no records", () => {
    const r = dnsPacket.decode(servfailResponse(query("Api.Example.Test", "A")));
    expect(r.type).toBe("response");
    expect(r.id).toBe(0x4242);
    expect((r as unknown as { rcode: string }).rcode).toBe("SERVFAIL");
    expect(r.questions).toEqual([{ name: "Api.Example.Test", type: "A", class: "IN" }]);
    expect([r.flag_rd, r.flag_ra, r.flag_aa, r.flag_tc]).toEqual([true, true, false, false]);
    expect([r.answers, r.authorities, r.additionals]).toEqual([[], [], []]);
  });

  it("does not set RD when the query did not, and returns an OPT record when the query had one (EDNS)", () => {
    const q = dnsPacket.decode(
      dnsPacket.encode({
        type: "query",
        id: 7,
        flags: 0,
        questions: [{ type: "AAAA", name: "a.test" }],
        additionals: [{ type: "OPT", name: ".", udpPayloadSize: 4096, flags: 0, options: [] } as never],
      }),
    );
    const r = dnsPacket.decode(servfailResponse(q));
    expect(r.flag_rd).toBe(false);
    expect(r.additionals?.map((a) => a.type)).toEqual(["OPT"]);
  });
});

describe("dnsActionResponse", () => {
  it("random A: NOERROR, one A record for the name with a global unicast address and a 5 s TTL", () => {
    const r = dnsPacket.decode(dnsActionResponse("random", query("api.example.test", "A"))!);
    expect((r as unknown as { rcode: string }).rcode).toBe("NOERROR");
    expect(r.id).toBe(0x4242);
    expect(r.answers).toHaveLength(1);
    const a = r.answers![0]! as { type: string; name: string; ttl: number; data: string };
    expect([a.type, a.name, a.ttl]).toEqual(["A", "api.example.test", dnsRandomAnswerTtlSeconds]);
    expect(ipaddr.IPv4.isValidFourPartDecimal(a.data)).toBe(true);
    expect(ipaddr.parse(a.data).range()).toBe("unicast");
  });

  it("random AAAA: one AAAA record with a global unicast IPv6 address in 2000::/3", () => {
    const r = dnsPacket.decode(dnsActionResponse("random", query("api.example.test", "AAAA"))!);
    const a = r.answers![0]! as { type: string; data: string };
    expect(a.type).toBe("AAAA");
    const addr = ipaddr.parse(a.data) as ipaddr.IPv6;
    expect(addr.kind()).toBe("ipv6");
    expect(addr.range()).toBe("unicast");
    expect(addr.parts[0]! >> 13).toBe(0b001);
  });

  it("random on another type (MX, TXT) makes nothing up: the query is forwarded unchanged", () => {
    expect(dnsActionResponse("random", query("api.example.test", "MX"))).toBeUndefined();
    expect(dnsActionResponse("random", query("api.example.test", "TXT"))).toBeUndefined();
    // error fails every type of a matched name
    expect(dnsActionResponse("error", query("api.example.test", "MX"))).toBeInstanceOf(Buffer);
  });

  it("forwards what is not a standard query with a question: a response, a NOTIFY, an empty question section", () => {
    const notify = dnsPacket.decode(dnsPacket.encode({ type: "query", id: 1, flags: 4 << 11, questions: [{ type: "A", name: "a.test" }] }));
    expect(dnsActionResponse("error", notify)).toBeUndefined();
    const response = dnsPacket.decode(dnsPacket.encode({ type: "response", id: 1, questions: [{ type: "A", name: "a.test" }] }));
    expect(dnsActionResponse("error", response)).toBeUndefined();
    const empty = dnsPacket.decode(dnsPacket.encode({ type: "query", id: 1, questions: [] }));
    expect(dnsActionResponse("error", empty)).toBeUndefined();
  });
});

describe("random addresses", () => {
  it("are valid, global unicast and (almost always) different", () => {
    const v4 = Array.from({ length: 2000 }, randomUnicastIPv4);
    const v6 = Array.from({ length: 2000 }, randomGlobalUnicastIPv6);
    for (const a of v4) expect(ipaddr.parse(a).range()).toBe("unicast");
    for (const a of v6) expect(ipaddr.parse(a).range()).toBe("unicast");
    expect(new Set(v4).size).toBeGreaterThan(1990);
    expect(new Set(v6).size).toBe(2000);
  });
});
