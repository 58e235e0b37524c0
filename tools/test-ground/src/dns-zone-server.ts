import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";
import dnsPacket, { type Answer, type Packet } from "dns-packet";

/** RCODE 3, "no such name". */
const NXDOMAIN = 3;

/** The records a {@link startDnsZoneServer} serves, by lower-case name without the trailing dot. */
export interface DnsZone {
  [name: string]: { A?: string[]; AAAA?: string[]; TXT?: string[] };
}

/** One query the server answered: over which transport, the name and type asked. */
export interface DnsZoneQuery {
  transport: "udp" | "tcp";
  name: string;
  type: string;
}

/** A running zone server: where it listens, what it was asked, and how to stop it. */
export interface DnsZoneServer {
  host: string;
  port: number;
  queries: DnsZoneQuery[];
  close(): Promise<void>;
}

/**
 * An authoritative DNS server for a test's own zone, on UDP and TCP of one address and port (a
 * test's upstream: loopback, or the pod network's gateway so pods reach it; never an address off
 * the machine). Names in `zone` get their A, AAAA and TXT records with `ttl`; other names NXDOMAIN.
 * A UDP answer over 512 bytes is sent truncated (TC, no answers), as a server would, so the client
 * asks again over TCP.
 */
export async function startDnsZoneServer(options: { host: string; port?: number; zone: DnsZone; ttl?: number }): Promise<DnsZoneServer> {
  const ttl = options.ttl ?? 300;
  const queries: DnsZoneQuery[] = [];
  const answer = (query: Packet, transport: "udp" | "tcp"): Buffer => {
    const question = query.questions?.[0];
    const name = (question?.name ?? "").toLowerCase().replace(/\.$/, "");
    const type = question?.type ?? "A";
    queries.push({ transport, name, type });
    const entry = options.zone[name];
    const answers: Answer[] = [];
    if (entry && (type === "A" || type === "AAAA")) for (const data of entry[type] ?? []) answers.push({ type, name: question!.name, ttl, data });
    if (entry && type === "TXT") for (const data of entry.TXT ?? []) answers.push({ type: "TXT", name: question!.name, ttl, data });
    const response: Packet = {
      type: "response",
      id: query.id ?? 0,
      // dns-packet encodes the rcode from the low 4 bits of flags (its `rcode` field is decode-only)
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | (entry ? 0 : NXDOMAIN),
      questions: query.questions ?? [],
      answers,
    };
    const encoded = dnsPacket.encode(response);
    if (transport === "udp" && encoded.length > 512) {
      return dnsPacket.encode({ ...response, flags: (response.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [] });
    }
    return encoded;
  };

  const udp: Socket = createSocket(options.host.includes(":") ? "udp6" : "udp4");
  udp.on("message", (message, remote) => {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: no answer
    }
    udp.send(answer(query, "udp"), remote.port, remote.address);
  });
  udp.bind(options.port ?? 0, options.host);
  await once(udp, "listening");
  // a failed send (the client gone) is the client's loss, not the server's end
  udp.on("error", () => undefined);
  const port = udp.address().port;

  const connections = new Set<TcpSocket>();
  const tcp: Server = createServer((socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const length = buffered.readUInt16BE(0);
        const message = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        let query: Packet;
        try {
          query = dnsPacket.decode(message);
        } catch {
          socket.destroy();
          return;
        }
        const reply = answer(query, "tcp");
        const framed = Buffer.alloc(2 + reply.length);
        framed.writeUInt16BE(reply.length, 0);
        reply.copy(framed, 2);
        socket.write(framed);
      }
    });
    socket.on("error", () => socket.destroy());
  });
  tcp.listen(port, options.host);
  await once(tcp, "listening");

  return {
    host: options.host,
    port,
    queries,
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      // tcp.close() waits for open connections: a client keeping one (a resolver reusing it) must not hold the close
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const socket of connections) socket.destroy();
      await closed;
    },
  };
}
