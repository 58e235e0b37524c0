// The interceptor over real loopback sockets, against an upstream DNS server of the test's own.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import dnsPacket from "dns-packet";
import ipaddr from "ipaddr.js";
import net from "node:net";
import {
  dnsInterceptorRuleProblem,
  dnsRuleActionFor,
  parseDnsUpstream,
  startDnsInterceptor,
  type DnsInterceptor,
  type DnsInterceptorRule,
} from "./dns-interceptor.js";
import {
  encodeQuery,
  rcodeOf,
  startSilentUdp,
  startTestUpstream,
  tcpQuery,
  udpQuery,
  type TestUpstream,
} from "./dns-interceptor.test-support.js";

let upstream: TestUpstream;
const open: DnsInterceptor[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((i) => i.close()));
});
afterAll(async () => {
  await upstream.close();
});

async function interceptor(rules: DnsInterceptorRule[] = [], upstreams = [upstream.address], upstreamTimeoutMs = 1000) {
  const i = await startDnsInterceptor({ host: "127.0.0.1", port: 0, upstreams, rules, upstreamTimeoutMs });
  open.push(i);
  return i;
}

function answersOf(reply: Buffer): Array<{ type: string; data: unknown; ttl: number }> {
  return (dnsPacket.decode(reply).answers ?? []) as never;
}

describe("forwarding (no rule matches)", () => {
  it("relays the upstream's UDP reply byte for byte: same id, answer and TTL", async () => {
    const i = await interceptor([{ recordKey: "other", action: "error", patterns: ["other.test"] }]);
    const q = encodeQuery("api.example.test", "A", 0x1234);
    const direct = await udpQuery(upstream.port, q);
    const through = await udpQuery(i.port, q);
    expect(through.equals(direct)).toBe(true);
    expect(through.equals(upstream.lastReply.udp!)).toBe(true);
    expect(dnsPacket.decode(through).id).toBe(0x1234);
    expect(answersOf(through)).toEqual([expect.objectContaining({ type: "A", data: "192.0.2.10", ttl: 1234 })]);
    expect(upstream.received.at(-1)!.transport).toBe("udp");
  });

  it("forwards a TCP query over TCP and relays the reply byte for byte", async () => {
    const i = await interceptor();
    const q = encodeQuery("api.example.test", "AAAA", 0x0bcd);
    const [direct] = await tcpQuery(upstream.port, q);
    const before = upstream.received.length;
    const [through] = await tcpQuery(i.port, q);
    expect(through!.equals(direct!)).toBe(true);
    expect(upstream.received.slice(before).map((r) => r.transport)).toEqual(["tcp"]);
    expect(answersOf(through!)).toEqual([expect.objectContaining({ type: "AAAA", data: "2001:db8::10", ttl: 1234 })]);
  });

  it("a large answer: truncated (TC) over UDP, passed through; whole over TCP", async () => {
    const i = await interceptor();
    const q = encodeQuery("large.example.test", "A", 77);
    const udpReply = await udpQuery(i.port, q);
    expect(dnsPacket.decode(udpReply).flag_tc).toBe(true);
    expect(udpReply.equals(upstream.lastReply.udp!)).toBe(true);
    const [tcpReply] = await tcpQuery(i.port, q);
    expect(tcpReply!.length).toBeGreaterThan(512);
    expect(dnsPacket.decode(tcpReply!).flag_tc).toBe(false);
    expect(answersOf(tcpReply!)).toHaveLength(40);
    expect(tcpReply!.equals(upstream.lastReply.tcp!)).toBe(true);
  });

  it("answers several queries pipelined on one TCP connection", async () => {
    const i = await interceptor([{ recordKey: "r", action: "error", patterns: ["web.example.test"] }]);
    const replies = await tcpQuery(i.port, [encodeQuery("api.example.test", "A", 1), encodeQuery("web.example.test", "A", 2)]);
    const byId = new Map(replies.map((r) => [dnsPacket.decode(r).id, rcodeOf(r)]));
    expect(byId).toEqual(new Map([[1, "NOERROR"], [2, "SERVFAIL"]]));
  });

  it("keeps clients apart when their ids collide (a fresh upstream socket per UDP query)", async () => {
    const i = await interceptor();
    const [a, b] = await Promise.all([
      udpQuery(i.port, encodeQuery("api.example.test", "A", 999)),
      udpQuery(i.port, encodeQuery("web.example.test", "A", 999)),
    ]);
    expect(answersOf(a)[0]!.data).toBe("192.0.2.10");
    expect(answersOf(b)[0]!.data).toBe("192.0.2.20");
  });

  it("relays an upstream's NXDOMAIN as it is", async () => {
    const i = await interceptor();
    const q = encodeQuery("nope.example.test", "A", 5);
    expect((await udpQuery(i.port, q)).equals(await udpQuery(upstream.port, q))).toBe(true);
    expect(rcodeOf(await udpQuery(i.port, q))).toBe("NXDOMAIN");
  });
});

describe("rules", () => {
  it("error: a matching name gets SERVFAIL over UDP and TCP, without asking the upstream; other names resolve as before", async () => {
    const i = await interceptor([{ recordKey: "ns/a", action: "error", patterns: ["api.example.test"] }]);
    const before = upstream.received.length;
    const udpReply = await udpQuery(i.port, encodeQuery("API.Example.Test", "A", 42));
    expect(rcodeOf(udpReply)).toBe("SERVFAIL");
    expect(dnsPacket.decode(udpReply).id).toBe(42);
    expect(dnsPacket.decode(udpReply).questions).toEqual([{ name: "API.Example.Test", type: "A", class: "IN" }]);
    const [tcpReply] = await tcpQuery(i.port, encodeQuery("api.example.test", "AAAA"));
    expect(rcodeOf(tcpReply!)).toBe("SERVFAIL");
    expect(upstream.received.length).toBe(before);
    expect(answersOf(await udpQuery(i.port, encodeQuery("web.example.test", "A")))[0]!.data).toBe("192.0.2.20");
  });

  it("random: valid addresses of the queried type, never the real one, different on repeated queries; MX forwarded", async () => {
    const i = await interceptor([{ recordKey: "ns/r", action: "random", patterns: ["api.example.test"] }]);
    const v4 = new Set<string>();
    const v6 = new Set<string>();
    for (let n = 0; n < 5; n++) {
      const a = answersOf(await udpQuery(i.port, encodeQuery("api.example.test", "A")));
      expect(a).toHaveLength(1);
      expect(ipaddr.parse(a[0]!.data as string).kind()).toBe("ipv4");
      expect(ipaddr.parse(a[0]!.data as string).range()).toBe("unicast");
      v4.add(a[0]!.data as string);
      const [tcpReply] = await tcpQuery(i.port, encodeQuery("api.example.test", "AAAA"));
      const aaaa = answersOf(tcpReply!);
      expect(ipaddr.parse(aaaa[0]!.data as string).kind()).toBe("ipv6");
      v6.add(aaaa[0]!.data as string);
    }
    expect(v4.size).toBe(5);
    expect(v6.size).toBe(5);
    expect(v4.has("192.0.2.10")).toBe(false);
    const mx = encodeQuery("api.example.test", "MX", 3);
    expect((await udpQuery(i.port, mx)).equals(await udpQuery(upstream.port, mx))).toBe(true);
  });

  it('"?" stands for one character of a label and a trailing "*" for any rest', async () => {
    const i = await interceptor([{ recordKey: "ns/p", action: "error", patterns: ["ab?.example.test", "web.*"] }]);
    const rcode = async (name: string) => rcodeOf(await udpQuery(i.port, encodeQuery(name, "A")));
    expect(await rcode("abc.example.test")).toBe("SERVFAIL");
    expect(await rcode("abcd.example.test")).toBe("NOERROR");
    expect(await rcode("web.example.test")).toBe("SERVFAIL");
    expect(await rcode("api.example.test")).toBe("NOERROR");
  });

  it("an empty patterns list matches every name", async () => {
    const i = await interceptor([{ recordKey: "ns/all", action: "error", patterns: [] }]);
    expect(rcodeOf(await udpQuery(i.port, encodeQuery("web.example.test", "A")))).toBe("SERVFAIL");
  });

  it("error wins over random when both match, whatever the order of the rules", async () => {
    const random: DnsInterceptorRule = { recordKey: "ns/random", action: "random", patterns: ["*"] };
    const error: DnsInterceptorRule = { recordKey: "ns/error", action: "error", patterns: ["api.example.test"] };
    for (const rules of [[random, error], [error, random]]) {
      const i = await interceptor(rules);
      expect(rcodeOf(await udpQuery(i.port, encodeQuery("api.example.test", "A")))).toBe("SERVFAIL");
      // matched by random only: a made-up address
      const web = answersOf(await udpQuery(i.port, encodeQuery("web.example.test", "A")));
      expect(web[0]!.data).not.toBe("192.0.2.20");
    }
    expect(dnsRuleActionFor([random, error], "api.example.test.")).toBe("error");
    expect(dnsRuleActionFor([random, error], "web.example.test.")).toBe("random");
    expect(dnsRuleActionFor([error], "web.example.test.")).toBeUndefined();
  });

  it("setRules takes effect at the next query; a bad rule is refused and the old rules stay", async () => {
    const i = await interceptor();
    const rcode = async () => rcodeOf(await udpQuery(i.port, encodeQuery("api.example.test", "A")));
    expect(await rcode()).toBe("NOERROR");
    i.setRules([{ recordKey: "ns/a", action: "error", patterns: ["api.example.test"] }]);
    expect(await rcode()).toBe("SERVFAIL");
    expect(() => i.setRules([{ recordKey: "ns/b", action: "error", patterns: ["a*b"] }])).toThrow(
      'rules[0].patterns[0]: pattern "a*b" has "*" before its end: only a trailing "*" is allowed',
    );
    expect(await rcode()).toBe("SERVFAIL");
    i.setRules([]);
    expect(await rcode()).toBe("NOERROR");
  });
});

describe("upstreams that fail", () => {
  it("an upstream that does not answer: the next one answers after the timeout", async () => {
    const silent = await startSilentUdp();
    try {
      const i = await interceptor([], [silent.address, upstream.address], 300);
      const started = Date.now();
      const reply = await udpQuery(i.port, encodeQuery("api.example.test", "A"));
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(answersOf(reply)[0]!.data).toBe("192.0.2.10");
      expect(silent.received()).toBe(1);
    } finally {
      await silent.close();
    }
  });

  it("every upstream down: the client gets SERVFAIL after the timeout, not silence (UDP and TCP)", async () => {
    const silent = await startSilentUdp();
    const refusing = await freePort(); // nothing listens there: TCP is refused at once
    try {
      const i = await interceptor([], [silent.address], 300);
      const started = Date.now();
      const reply = await udpQuery(i.port, encodeQuery("api.example.test", "A", 31));
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(rcodeOf(reply)).toBe("SERVFAIL");
      expect(dnsPacket.decode(reply).id).toBe(31);
      const j = await interceptor([], [`127.0.0.1:${refusing}`], 300);
      const [tcpReply] = await tcpQuery(j.port, encodeQuery("api.example.test", "A", 32));
      expect(rcodeOf(tcpReply!)).toBe("SERVFAIL");
      expect(rcodeOf(await udpQuery(j.port, encodeQuery("api.example.test", "A", 33)))).toBe("SERVFAIL");
    } finally {
      await silent.close();
    }
  });
});

describe("configuration", () => {
  it("parses upstreams with and without a port, and names a bad one", () => {
    expect(parseDnsUpstream("10.0.0.10")).toEqual({ host: "10.0.0.10", port: 53 });
    expect(parseDnsUpstream("127.0.0.1:5353")).toEqual({ host: "127.0.0.1", port: 5353 });
    expect(parseDnsUpstream("fd00::a")).toEqual({ host: "fd00::a", port: 53 });
    expect(parseDnsUpstream("[fd00::a]:5353")).toEqual({ host: "fd00::a", port: 5353 });
    expect(() => parseDnsUpstream("dns.example.test")).toThrow('upstream "dns.example.test" is not an IP address');
    expect(() => parseDnsUpstream("10.0.0.1:0")).toThrow('upstream "10.0.0.1:0" has port 0');
  });

  it("names what is wrong with a rule", () => {
    expect(dnsInterceptorRuleProblem({ recordKey: "k", action: "delay", patterns: [] })).toBe(
      'rule.action is "delay": it must be "error" or "random"',
    );
    expect(dnsInterceptorRuleProblem({ recordKey: "k", action: "error" })).toContain("rule.patterns must be an array");
    expect(dnsInterceptorRuleProblem({ recordKey: "", action: "error", patterns: [] })).toContain("rule.recordKey");
    expect(dnsInterceptorRuleProblem({ recordKey: "k", action: "error", patterns: [], extra: 1 })).toBe('rule has unknown field "extra"');
    expect(dnsInterceptorRuleProblem({ recordKey: "k", action: "random", patterns: ["ok.test", ".bad"] })).toContain(
      'rule.patterns[1]: pattern ".bad" has an empty label',
    );
  });

  it("refuses to start without upstreams or with a bad rule", async () => {
    await expect(startDnsInterceptor({ host: "127.0.0.1", port: 0, upstreams: [], rules: [] })).rejects.toThrow("upstreams is empty");
    await expect(
      startDnsInterceptor({ host: "127.0.0.1", port: 0, upstreams: ["127.0.0.1"], rules: [{ recordKey: "k", action: "random", patterns: ["a b"] }] }),
    ).rejects.toThrow('rules[0].patterns[0]: pattern "a b"');
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
