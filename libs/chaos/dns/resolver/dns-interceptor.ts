// DNSChaos's interceptor: a small DNS resolver the daemon starts inside a target pod's network
// namespace, where iptables (nat OUTPUT, REDIRECT) sends the pod's UDP and TCP port-53 traffic.
// It listens on one port for both UDP and TCP (two-byte length-prefixed messages, RFC 1035 4.2.2;
// several queries on one connection are answered as each completes, RFC 7766).
//
// For each query:
//   - its first question's name (case-insensitive, without the trailing dot) is matched against
//     every rule's patterns (dns-patterns.ts; a rule with no patterns matches every name);
//   - matched by an `error` rule → SERVFAIL. When rules with different actions match the same
//     name, `error` WINS over `random`: failing is the stronger fault, and the order in which
//     experiments were applied must not decide the answer;
//   - matched by `random` rules only → one random A/AAAA address (dns-answers.ts); a query of
//     another type is forwarded as below;
//   - everything else (no rule matches, a message that does not decode, an opcode other than
//     QUERY) is FORWARDED to the upstreams (the pod's own nameservers) and their reply is relayed
//     byte for byte: same id, same answer, same TTLs, same flags. A query is forwarded over the
//     transport it came on: a UDP reply with TC set passes through, so the client retries over TCP
//     and the TCP query goes to the upstream over TCP. Each UDP query gets a fresh upstream socket
//     (connected to the upstream, so only its replies arrive), because ids chosen by different
//     clients may collide.
//   - upstreams are tried in order, each for `upstreamTimeoutMs` (an error such as "connection
//     refused" moves on at once); when none answers, the client gets SERVFAIL rather than silence.
// The interceptor's own upstream traffic leaves the namespace directly: the daemon runs it as a
// dedicated uid that the REDIRECT rule exempts (`-m owner ! --uid-owner`).

import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";
import type { DecodedPacket } from "dns-packet";
import { dnsActionResponse, servfailResponse, type DnsChaosAction } from "./dns-answers.js";
import { dnsPatternProblem, dnsPatternsMatch } from "./dns-patterns.js";

/** One DNSChaos experiment on this pod: its record key (for logs), its action and its patterns. */
export interface DnsInterceptorRule {
  readonly recordKey: string;
  readonly action: DnsChaosAction;
  /** Chaos Mesh's patterns; empty means every name. */
  readonly patterns: readonly string[];
}

export interface DnsInterceptorOptions {
  /** The address to listen on (127.0.0.1 in the pod's namespace, where REDIRECT sends the pod's queries; see dns-interceptor-main.ts). */
  readonly host: string;
  /** The port for both UDP and TCP; 0 picks one that is free for both. */
  readonly port: number;
  /** The nameservers to forward to, in order: "10.0.0.10" (port 53), "127.0.0.1:5353", "[fd00::a]:53". */
  readonly upstreams: readonly string[];
  readonly rules: readonly DnsInterceptorRule[];
  /** How long to wait for one upstream before trying the next (default 2000 ms). */
  readonly upstreamTimeoutMs?: number;
  /** Where notable events go (an upstream that failed, a client error); one object each. */
  readonly log?: (event: Record<string, unknown>) => void;
}

export interface DnsInterceptor {
  /** The port both sockets listen on. */
  readonly port: number;
  /** Replaces the rules; the next query already sees the new ones. Throws on a bad rule, keeping the old ones. */
  setRules(rules: readonly DnsInterceptorRule[]): void;
  /** Replaces the upstreams (same forms as the option); queries in flight finish with the old ones. */
  setUpstreams(upstreams: readonly string[]): void;
  /** Stops listening, ends open connections and in-flight upstream queries. */
  close(): Promise<void>;
}

/** An upstream nameserver's address. */
export interface DnsUpstream {
  readonly host: string;
  readonly port: number;
}

/** Parses "10.0.0.10", "10.0.0.10:5353", "fd00::a" or "[fd00::a]:5353"; throws naming the value. */
export function parseDnsUpstream(value: string): DnsUpstream {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  const hostPort = /^([^:]+):(\d+)$/.exec(value);
  const [host, port] = bracketed ? [bracketed[1]!, bracketed[2]] : hostPort ? [hostPort[1]!, hostPort[2]] : [value, undefined];
  if (net.isIP(host) === 0) throw new Error(`upstream ${JSON.stringify(value)} is not an IP address (optionally with :port)`);
  const n = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`upstream ${JSON.stringify(value)} has port ${port}: it must be 1-65535`);
  return { host, port: n };
}

/** What is wrong with a rule, naming its field, or undefined. */
export function dnsInterceptorRuleProblem(rule: unknown, where = "rule"): string | undefined {
  if (typeof rule !== "object" || rule === null || Array.isArray(rule)) return `${where} must be an object`;
  const r = rule as Record<string, unknown>;
  const unknownKeys = Object.keys(r).filter((k) => !["recordKey", "action", "patterns"].includes(k));
  if (unknownKeys.length > 0) return `${where} has unknown field ${JSON.stringify(unknownKeys[0])}`;
  if (typeof r["recordKey"] !== "string" || r["recordKey"] === "") return `${where}.recordKey must be a non-empty string`;
  if (r["action"] !== "error" && r["action"] !== "random") {
    return `${where}.action is ${JSON.stringify(r["action"]) ?? "missing"}: it must be "error" or "random"`;
  }
  if (!Array.isArray(r["patterns"])) return `${where}.patterns must be an array of patterns (empty for every name)`;
  for (const [i, p] of (r["patterns"] as unknown[]).entries()) {
    const problem = dnsPatternProblem(p);
    if (problem !== undefined) return `${where}.patterns[${i}]: ${problem}`;
  }
  return undefined;
}

/**
 * The action for a query name under `rules`, or undefined when none matches. `error` wins over
 * `random` when both match (see the file's comment).
 */
export function dnsRuleActionFor(rules: readonly DnsInterceptorRule[], name: string): DnsChaosAction | undefined {
  let action: DnsChaosAction | undefined;
  for (const rule of rules) {
    if (!dnsPatternsMatch(rule.patterns, name)) continue;
    if (rule.action === "error") return "error";
    action = rule.action;
  }
  return action;
}

const defaultUpstreamTimeoutMs = 2000;
const tcpIdleTimeoutMs = 30_000;

/** Starts the interceptor; resolves once both the UDP and the TCP socket listen. */
export async function startDnsInterceptor(options: DnsInterceptorOptions): Promise<DnsInterceptor> {
  const parseUpstreams = (list: readonly string[]) => {
    if (list.length === 0) throw new Error("upstreams is empty: the interceptor needs a nameserver to forward to");
    return list.map(parseDnsUpstream);
  };
  let upstreams = parseUpstreams(options.upstreams);
  const check = (rules: readonly DnsInterceptorRule[]) => {
    for (const [i, rule] of rules.entries()) {
      const problem = dnsInterceptorRuleProblem(rule, `rules[${i}]`);
      if (problem !== undefined) throw new Error(problem);
    }
  };
  check(options.rules);
  let rules = [...options.rules];
  const timeoutMs = options.upstreamTimeoutMs ?? defaultUpstreamTimeoutMs;
  const log = options.log ?? (() => {});
  const family = net.isIPv6(options.host) ? "udp6" : "udp4";
  const inFlight = new Set<{ close(): void }>();
  const connections = new Set<net.Socket>();
  let closed = false;

  /** Our own answer for a decoded query, or undefined to forward it. */
  const ownAnswer = (query: DecodedPacket | undefined): Buffer | undefined => {
    const name = query?.questions?.[0]?.name;
    if (query === undefined || name === undefined) return undefined;
    const action = dnsRuleActionFor(rules, name);
    return action === undefined ? undefined : dnsActionResponse(action, query);
  };

  /** Sends one query over UDP to one upstream; resolves with its reply or undefined (timeout, error). */
  const udpExchange = (upstream: DnsUpstream, message: Buffer): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const socket = dgram.createSocket(net.isIPv6(upstream.host) ? "udp6" : "udp4");
      const id = message.length >= 2 ? message.readUInt16BE(0) : -1;
      const entry = { close: () => finish(undefined) };
      const timer = setTimeout(() => {
        log({ event: "upstream-timeout", transport: "udp", upstream: `${upstream.host}:${upstream.port}`, timeoutMs });
        finish(undefined);
      }, timeoutMs);
      function finish(reply: Buffer | undefined) {
        if (!inFlight.delete(entry)) return;
        clearTimeout(timer);
        socket.close();
        resolve(reply);
      }
      inFlight.add(entry);
      socket.on("error", (err) => {
        log({ event: "upstream-error", transport: "udp", upstream: `${upstream.host}:${upstream.port}`, error: err.message });
        finish(undefined);
      });
      // a reply whose id is not the query's is not ours (a late or forged one): keep waiting
      socket.on("message", (reply) => reply.length >= 12 && reply.readUInt16BE(0) === id && finish(reply));
      socket.connect(upstream.port, upstream.host, () => socket.send(message));
    });

  /** Sends one query over TCP to one upstream; resolves with its reply (without length) or undefined. */
  const tcpExchange = (upstream: DnsUpstream, message: Buffer): Promise<Buffer | undefined> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: upstream.host, port: upstream.port });
      const entry = { close: () => finish(undefined) };
      let buffered = Buffer.alloc(0);
      const timer = setTimeout(() => {
        log({ event: "upstream-timeout", transport: "tcp", upstream: `${upstream.host}:${upstream.port}`, timeoutMs });
        finish(undefined);
      }, timeoutMs);
      function finish(reply: Buffer | undefined) {
        if (!inFlight.delete(entry)) return;
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
      inFlight.add(entry);
      socket.on("error", (err) => {
        log({ event: "upstream-error", transport: "tcp", upstream: `${upstream.host}:${upstream.port}`, error: err.message });
        finish(undefined);
      });
      socket.on("close", () => finish(undefined));
      socket.on("connect", () => socket.write(lengthPrefixed(message)));
      socket.on("data", (chunk) => {
        buffered = Buffer.concat([buffered, chunk]);
        if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) finish(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      });
    });

  /** The reply to one client message: ours, the first upstream's that answers, or SERVFAIL. */
  const answer = async (message: Buffer, transport: "udp" | "tcp"): Promise<Buffer | undefined> => {
    let query: DecodedPacket | undefined;
    try {
      query = dnsPacket.decode(message);
    } catch {
      query = undefined; // not ours to judge: forwarded as it is
    }
    const own = ownAnswer(query);
    if (own !== undefined) return own;
    for (const upstream of [...upstreams]) {
      if (closed) return undefined;
      const reply = await (transport === "udp" ? udpExchange : tcpExchange)(upstream, message);
      if (reply !== undefined) return reply;
    }
    if (closed) return undefined;
    log({ event: "upstreams-failed", transport, name: query?.questions?.[0]?.name });
    return query === undefined ? undefined : servfailResponse(query);
  };

  const createUdp = () => {
    const udp = dgram.createSocket({ type: family });
    udp.on("message", (message, client) => {
      void answer(message, "udp").then((reply) => {
        if (reply !== undefined && !closed) udp.send(reply, client.port, client.address);
      });
    });
    return udp;
  };

  const tcp = net.createServer((conn) => {
    connections.add(conn);
    conn.setTimeout(tcpIdleTimeoutMs, () => conn.destroy());
    conn.on("close", () => connections.delete(conn));
    conn.on("error", () => conn.destroy());
    let buffered = Buffer.alloc(0);
    conn.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        void answer(Buffer.from(message), "tcp").then((reply) => {
          if (reply !== undefined && !conn.destroyed) conn.write(lengthPrefixed(reply));
        });
      }
    });
  });

  const udp = await listenBoth(createUdp, tcp, options.host, options.port);
  udp.on("error", (err) => log({ event: "udp-error", error: err.message }));
  const port = udp.address().port;
  log({ event: "listening", host: options.host, port, upstreams: options.upstreams, rules: rules.length });

  return {
    port,
    setRules(next) {
      check(next);
      rules = [...next];
    },
    setUpstreams(next) {
      upstreams = parseUpstreams(next);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of [...inFlight]) entry.close();
      for (const conn of connections) conn.destroy();
      await Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => tcp.close(() => resolve())),
      ]);
    },
  };
}

function lengthPrefixed(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}

/** Binds UDP then TCP on the same port (with port 0, tries other ports until one is free for both). */
async function listenBoth(createUdp: () => dgram.Socket, tcp: net.Server, host: string, port: number): Promise<dgram.Socket> {
  for (let attempt = 0; ; attempt++) {
    const udp = createUdp();
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(port, host, () => (udp.off("error", reject), resolve()));
    });
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(udp.address().port, host, () => (tcp.off("error", reject), resolve()));
      });
      return udp;
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      // with port 0, the UDP port's TCP twin may be taken: take another UDP port and try again
      if (port !== 0 || attempt >= 20 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    }
  }
}
