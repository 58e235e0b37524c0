// Benchmark: HTTP requests straight to a server against requests through HTTPChaos's proxy (the
// built process, libs/chaos/dist, with rules that match none of the requests, so every request is
// matched against them and forwarded), in one run on 127.0.0.1. The server is a node:http server in
// a child process of its own, the proxy another, the clients this process (keep-alive agents).
//   workloads: GET with a small answer; GET with a 1 MiB answer; POST of a 1 MiB body (small answer)
//   for each: `clients` concurrent clients, one request at a time each, for `seconds`, direct then
//   through the proxy: requests/s, p50 / p99 latency
//   node tools/bench/http-proxy.mjs [seconds=3] [clients=8]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@faultline/test-ground";

const MiB = 1024 * 1024;

if (process.argv[2] === "--server") {
  const big = Buffer.alloc(MiB, "x");
  const small = Buffer.from(JSON.stringify({ ok: true, service: "bench", items: [1, 2, 3] }));
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    let length = 0;
    req.on("data", (c) => (length += c.length));
    req.on("end", () => {
      if (req.url === "/big") res.writeHead(200, { "content-type": "application/octet-stream", "content-length": MiB }).end(big);
      else if (req.method === "POST") res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ received: length }));
      else res.writeHead(200, { "content-type": "application/json", "content-length": small.length }).end(small);
    });
  });
  server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
  process.on("SIGTERM", () => process.exit(0));
}

function firstLine(child) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
      if (out.includes("\n")) resolve(out.split("\n")[0]);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code} before its first line`)));
  });
}


function once(agent, port, work) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = http.request({ host: "127.0.0.1", port, agent, method: work.method, path: work.path, headers: work.body ? { "content-length": work.body.length } : {} }, (res) => {
      let length = 0;
      res.on("data", (c) => (length += c.length));
      res.on("end", () => (res.statusCode === 200 ? resolve([performance.now() - start, length]) : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(work.body);
  });
}

async function load(port, work, seconds, clients) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  for (let i = 0; i < clients; i++) await once(agent, port, work); // warm the connections
  const latencies = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) latencies.push((await once(agent, port, work))[0]);
    }),
  );
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rps: latencies.length / seconds, p50: at(0.5), p99: at(0.99) };
}

async function bench(seconds, clients) {
  const here = fileURLToPath(import.meta.url);
  const main = fileURLToPath(new URL("../../libs/chaos/dist/http/proxy/http-proxy-main.js", import.meta.url));
  const server = spawn(process.execPath, [here, "--server"], { stdio: ["ignore", "pipe", "inherit"] });
  const dir = mkdtempSync(join(tmpdir(), "faultline-bench-http-"));
  let proxy;
  try {
    const serverPort = Number(await firstLine(server));
    const proxyPort = await freePort();
    const never = (target, path) => ({ recordKey: `bench/${target}`, target, selector: { path }, actions: { abort: true }, port: serverPort });
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ listeners: [{ port: proxyPort, serverPort }], rules: [never("Request", "/never/*"), never("Response", "/nor/*")], tls: null }));
    proxy = spawn(process.execPath, [main, "--config", config, "--host", "127.0.0.1", "--orphan-check-ms", "0"], { stdio: ["ignore", "pipe", "ignore"] });
    const ready = JSON.parse(await firstLine(proxy));
    if (ready.ports[0] !== proxyPort) throw new Error(`the proxy is not ready: ${JSON.stringify(ready)}`);

    const workloads = [
      { name: "GET, small answer", method: "GET", path: "/small" },
      { name: "GET, 1 MiB answer", method: "GET", path: "/big" },
      { name: "POST, 1 MiB body", method: "POST", path: "/upload", body: Buffer.alloc(MiB, "y") },
    ];
    const f = (n) => n.toFixed(n < 10 ? 2 : 0);
    console.log(`HTTPChaos proxy, no rule matching: ${clients} keep-alive clients, ${seconds} s per row, 127.0.0.1, node ${process.version}`);
    console.log("| workload | path | requests/s | p50 ms | p99 ms |");
    console.log("| --- | --- | ---: | ---: | ---: |");
    for (const work of workloads) {
      const direct = await load(serverPort, work, seconds, clients);
      const proxied = await load(proxyPort, work, seconds, clients);
      console.log(`| ${work.name} | direct | ${f(direct.rps)} | ${f(direct.p50)} | ${f(direct.p99)} |`);
      console.log(`| ${work.name} | proxy | ${f(proxied.rps)} | ${f(proxied.p50)} | ${f(proxied.p99)} |`);
    }
  } finally {
    proxy?.kill("SIGTERM");
    server.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] !== "--server") await bench(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 8));
