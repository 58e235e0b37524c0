// Test support for the interceptor's specs: an upstream DNS server of the test's own on loopback
// (UDP and TCP on one port, written with dns-packet) and clients that send one query and return
// the raw reply bytes.

import dgram from "node:dgram";
import net from "node:net";
import dnsPacket from "dns-packet";
import type { Answer, DecodedPacket, Packet } from "dns-packet";

export interface TestUpstream {
  readonly port: number;
  /** "127.0.0.1:<port>", as the interceptor's upstreams take it. */
  readonly address: string;
  /** Every query received: its transport and decoded packet. */
  readonly received: Array<{ transport: "udp" | "tcp"; query: DecodedPacket }>;
  /** The exact bytes last sent back, per transport. */
  readonly lastReply: { udp?: Buffer; tcp?: Buffer };
  close(): Promise<void>;
}

/**
 * A zone of names → records. `large.example.test` has 40 A records (over 512 bytes): over UDP it
 * is answered truncated (TC, no answers), over TCP whole, as a real server does. An unknown name
 * is NXDOMAIN. Replies keep the query's id, its RD, set AA and RA, and the records' own TTLs.
 */
export const testZone: Record<string, Answer[]> = {
  "api.example.test": [
    { type: "A", name: "api.example.test", ttl: 1234, class: "IN", data: "192.0.2.10" },
    { type: "AAAA", name: "api.example.test", ttl: 1234, class: "IN", data: "2001:db8::10" },
    { type: "MX", name: "api.example.test", ttl: 600, class: "IN", data: { preference: 10, exchange: "mail.example.test" } },
  ],
  "web.example.test": [{ type: "A", name: "web.example.test", ttl: 321, class: "IN", data: "192.0.2.20" }],
  "abc.example.test": [{ type: "A", name: "abc.example.test", ttl: 77, class: "IN", data: "192.0.2.30" }],
  "abcd.example.test": [{ type: "A", name: "abcd.example.test", ttl: 77, class: "IN", data: "192.0.2.31" }],
  "large.example.test": Array.from({ length: 40 }, (_, i) => ({
    type: "A" as const,
    name: "large.example.test",
    ttl: 999,
    class: "IN" as const,
    data: `198.51.100.${i + 1}`,
  })),
};

function reply(query: DecodedPacket, transport: "udp" | "tcp"): Buffer {
  const q = query.questions?.[0];
  const records = q === undefined ? undefined : testZone[q.name.toLowerCase()];
  const answers = (records ?? []).filter((r) => r.type === q?.type);
  const flags = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const base: Packet = {
    type: "response",
    id: query.id ?? 0,
    flags: flags | dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (records === undefined ? 3 : 0),
    questions: query.questions ?? [],
    answers,
  };
  const whole = dnsPacket.encode(base);
  if (transport === "udp" && whole.length > 512) {
    return dnsPacket.encode({ ...base, flags: (base.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
  }
  return whole;
}

/** Starts the test upstream on 127.0.0.1 (one port for UDP and TCP; another port when the UDP port's TCP twin is taken). */
export async function startTestUpstream(): Promise<TestUpstream> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await tryStartTestUpstream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 20) throw err;
    }
  }
}

async function tryStartTestUpstream(): Promise<TestUpstream> {
  const received: TestUpstream["received"] = [];
  const lastReply: TestUpstream["lastReply"] = {};
  const udp = dgram.createSocket("udp4");
  udp.on("message", (msg, rinfo) => {
    const query = dnsPacket.decode(msg);
    received.push({ transport: "udp", query });
    const out = reply(query, "udp");
    lastReply.udp = out;
    udp.send(out, rinfo.port, rinfo.address);
  });
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((conn) => {
    conns.add(conn);
    conn.on("close", () => conns.delete(conn));
    let buffered = Buffer.alloc(0);
    conn.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const query = dnsPacket.decode(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        received.push({ transport: "tcp", query });
        const out = reply(query, "tcp");
        lastReply.tcp = out;
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(out.length);
        conn.write(Buffer.concat([prefix, out]));
      }
    });
  });
  await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once("error", reject);
      tcp.listen(udp.address().port, "127.0.0.1", resolve);
    });
  } catch (err) {
    udp.close();
    throw err;
  }
  const port = udp.address().port;
  return {
    port,
    address: `127.0.0.1:${port}`,
    received,
    lastReply,
    close: async () => {
      for (const c of conns) c.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}

/** A UDP socket on loopback that receives and never answers: an upstream that is down without refusing. */
export async function startSilentUdp(): Promise<{ address: string; received: () => number; close(): Promise<void> }> {
  const socket = dgram.createSocket("udp4");
  let count = 0;
  socket.on("message", () => count++);
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    received: () => count,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

/** A query as a stub resolver sends it (RD set), with a given id. */
export function encodeQuery(name: string, type: "A" | "AAAA" | "MX" | "TXT", id = Math.floor(Math.random() * 65536)): Buffer {
  return dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: "IN" }] });
}

/** Sends one message over UDP to 127.0.0.1:port and resolves with the raw reply (rejects after timeoutMs). */
export function udpQuery(port: number, message: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket("udp4");
    const timer = setTimeout(() => (socket.close(), reject(new Error(`no UDP reply from port ${port} in ${timeoutMs} ms`))), timeoutMs);
    socket.on("message", (msg) => (clearTimeout(timer), socket.close(), resolve(msg)));
    socket.on("error", (err) => (clearTimeout(timer), socket.close(), reject(err)));
    socket.send(message, port, "127.0.0.1");
  });
}

/** Sends messages over one TCP connection to 127.0.0.1:port; resolves with the raw replies (without length), in arrival order. */
export function tcpQuery(port: number, messages: Buffer | Buffer[], timeoutMs = 3000): Promise<Buffer[]> {
  const list = Array.isArray(messages) ? messages : [messages];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const replies: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => (socket.destroy(), reject(new Error(`no TCP reply from port ${port} in ${timeoutMs} ms`))), timeoutMs);
    socket.on("connect", () => {
      for (const m of list) {
        const prefix = Buffer.alloc(2);
        prefix.writeUInt16BE(m.length);
        socket.write(Buffer.concat([prefix, m]));
      }
    });
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(Buffer.from(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (replies.length === list.length) (clearTimeout(timer), socket.end(), resolve(replies));
    });
    socket.on("error", (err) => (clearTimeout(timer), reject(err)));
  });
}

/** The rcode name of a raw reply ("NOERROR", "SERVFAIL", "NXDOMAIN"). */
export function rcodeOf(reply: Buffer): string {
  return (dnsPacket.decode(reply) as unknown as { rcode: string }).rcode;
}
