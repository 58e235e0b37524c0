// Benchmark: name lookups straight to an upstream DNS server against lookups through DNSChaos's
// interceptor (the built process, libs/chaos/dist, with a rule that matches none of the names, so
// every query is forwarded), in one run on 127.0.0.1. The upstream is a dns-packet server in a
// child process of its own, the interceptor another, the clients this process.
//   latency:    one client, one UDP query at a time, for `seconds`: p50 / p95 / max
//   throughput: `clients` concurrent clients, each one query at a time over UDP, for `seconds`
//   (TCP: one client, one query per connection, for a third of `seconds`)
//   node tools/bench/dns-interception.mjs [seconds=3] [clients=8]
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dnsPacket from "dns-packet";

if (process.argv[2] === "--upstream") {
  // the upstream: answers every A query with one record (TTL 300), over UDP and TCP on one port
  const answer = (msg) => {
    const q = dnsPacket.decode(msg);
    return dnsPacket.encode({
      type: "response",
      id: q.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
      questions: q.questions,
      answers: [{ type: "A", name: q.questions[0].name, ttl: 300, class: "IN", data: "192.0.2.1" }],
    });
  };
  const tcp = net.createServer((c) => {
    let buf = Buffer.alloc(0);
    c.on("error", () => {});
    c.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const out = answer(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        const len = Buffer.alloc(2);
        len.writeUInt16BE(out.length);
        c.write(Buffer.concat([len, out]));
      }
    });
  });
  // one port for both: when the UDP port's TCP twin is taken (common on a busy machine), another
  let udp;
  for (let attempt = 0; ; attempt++) {
    udp = dgram.createSocket("udp4");
    udp.on("message", (msg, r) => udp.send(answer(msg), r.port, r.address));
    await new Promise((r) => udp.bind(0, "127.0.0.1", r));
    const listening = await new Promise((resolve) => {
      tcp.once("error", () => resolve(false));
      tcp.listen(udp.address().port, "127.0.0.1", () => resolve(true));
    });
    if (listening) break;
    udp.close();
    if (attempt >= 20) throw new Error("no port free for both UDP and TCP");
  }
  process.stdout.write(`${JSON.stringify({ ready: true, port: udp.address().port })}\n`);
  process.on("SIGTERM", () => process.exit(0));
} else {
  const seconds = Number(process.argv[2] ?? 3);
  const clients = Number(process.argv[3] ?? 8);
  const { dnsInterceptorMainPath } = await import("../../libs/chaos/dist/dns/resolver/dns-interceptor-path.js");
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-dns-"));
  const children = [];
  let stopping = false;

  /** Spawns a process that prints one `{"ready":true,"port":n}` line; resolves with the port. */
  const startReady = (args) =>
    new Promise((resolve, reject) => {
      // its JSON log (stderr) is kept, and shown only if it fails
      const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let out = "";
      let log = "";
      child.stderr.on("data", (d) => (log += d));
      child.stdout.on("data", (d) => {
        out += d;
        const line = out.split("\n").find((l) => l.includes('"ready"'));
        if (line) resolve(JSON.parse(line).port);
      });
      child.on("exit", (code, signal) => {
        if (!stopping) console.error(`${args.join(" ")} exited ${code ?? signal}\n${log}`);
        reject(new Error(`${args.join(" ")} exited ${code ?? signal}`));
      });
    });

  const query = (id) => dnsPacket.encode({ type: "query", id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: "A", name: `host-${id % 100}.bench.test` }] });

  /** One client: queries over one connected UDP socket, one at a time, until `until`; returns latencies in ms. */
  const udpClient = async (port, until) => {
    const socket = dgram.createSocket("udp4");
    await new Promise((r) => socket.connect(port, "127.0.0.1", r));
    const latencies = [];
    let id = Math.floor(Math.random() * 65536);
    while (performance.now() < until) {
      id = (id + 1) & 0xffff;
      const started = performance.now();
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply in 2 s from port ${port}`)), 2000);
        const onMessage = (msg) => {
          if (msg.readUInt16BE(0) !== id) return;
          clearTimeout(timer);
          socket.off("message", onMessage);
          resolve();
        };
        socket.on("message", onMessage);
        socket.send(query(id));
      });
      latencies.push(performance.now() - started);
    }
    socket.close();
    return latencies;
  };

  /** One client over TCP: a connection per query, until `until`; returns latencies in ms. */
  const tcpClient = async (port, until) => {
    const latencies = [];
    for (let id = 1; performance.now() < until; id++) {
      const started = performance.now();
      await new Promise((resolve, reject) => {
        const c = net.connect({ host: "127.0.0.1", port }, () => {
          const q = query(id);
          const len = Buffer.alloc(2);
          len.writeUInt16BE(q.length);
          c.write(Buffer.concat([len, q]));
        });
        let buf = Buffer.alloc(0);
        c.on("data", (d) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) (c.destroy(), resolve());
        });
        c.on("error", reject);
      });
      latencies.push(performance.now() - started);
    }
    return latencies;
  };

  const percentile = (xs, p) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
  };
  const ms = (x) => x.toFixed(3);

  try {
    const upstreamPort = await startReady([new URL(import.meta.url).pathname, "--upstream"]);
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ upstreams: [`127.0.0.1:${upstreamPort}`], rules: [{ recordKey: "bench", action: "error", patterns: ["nothing.matches.this"] }] }));
    const interceptorPort = await startReady([dnsInterceptorMainPath(), "--config", config, "--port", "0", "--host", "127.0.0.1"]);
    const paths = [
      ["direct to the upstream", upstreamPort],
      ["through the interceptor", interceptorPort],
    ];
    const rows = [];
    for (const [name, port] of paths) await udpClient(port, performance.now() + 300); // warm up both
    for (const [name, port] of paths) {
      const latency = await udpClient(port, performance.now() + seconds * 1000);
      const tcp = await tcpClient(port, performance.now() + (seconds * 1000) / 3);
      const started = performance.now();
      const all = await Promise.all(Array.from({ length: clients }, () => udpClient(port, started + seconds * 1000)));
      const elapsed = (performance.now() - started) / 1000;
      const total = all.reduce((n, l) => n + l.length, 0);
      rows.push({
        path: name,
        "UDP p50 ms": ms(percentile(latency, 50)),
        "UDP p95 ms": ms(percentile(latency, 95)),
        "UDP max ms": ms(Math.max(...latency)),
        "TCP p50 ms": ms(percentile(tcp, 50)),
        [`UDP queries/s (${clients} clients)`]: Math.round(total / elapsed),
        [`p95 ms at ${clients} clients`]: ms(percentile(all.flat(), 95)),
      });
    }
    console.log(`DNS lookups on 127.0.0.1, ${seconds} s per measurement, no rule matching (every query forwarded)`);
    console.table(rows);
    const [direct, through] = rows;
    const qps = `UDP queries/s (${clients} clients)`;
    console.log(
      `through the interceptor: p50 +${ms(through["UDP p50 ms"] - direct["UDP p50 ms"])} ms, throughput ${((through[qps] / direct[qps]) * 100).toFixed(0)}% of direct`,
    );
  } finally {
    stopping = true;
    for (const c of children) c.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}
