// Benchmark: ExecHelloWorldChaos end to end (gRPC call → daemon → CRI pid lookup → nsenter → ps)
// against a bare `nsenter -t PID -m -- sh -c 'ps aux'` on the same container, interleaved so that
// noise from this shared machine hits both alike. The calls go through the manager's own client
// (@faultline/daemon-client's pool: one pooled HTTP/2 session, the namespaced-name header, a
// deadline on every call). Prints both medians and their ratio, the gRPC round trip, and where
// the time goes: the daemon's own time per RPC (its faultline_daemon_rpc_duration_seconds,
// sum/count over the timed calls), the rest being the client, HTTP/2 and the socket. A second floor:
// the same nsenter started by faultline-spawn straight from this process (no RPC, no daemon), the
// cheapest start these machines give; its ratio is the daemon's overhead over the process itself.
//   node tools/bench/exec-helloworld.mjs [runs=40]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDaemonClientPool, createStaticDaemonLocator } from "@faultline/daemon-client";
import { SpawnHelper } from "@faultline/daemon-server";
import { CriPodFixture, defaultTestContainerdSocket, freePort } from "@faultline/test-ground";
import { waitForSocket } from "./daemon-socket.mjs";

const runs = Number(process.argv[2] ?? 40);
const warmup = 5;
// JIT warm-up of both ends' RPC code, as in a daemon and a manager that have been running a while
const rpcWarmup = 300;
// the node flags the daemon's image starts it with (its Dockerfile's ENTRYPOINT), so the daemon here
// forks its processes from the same heap as in a cluster
const entrypoint = readFileSync(fileURLToPath(new URL("../../apps/daemon/Dockerfile", import.meta.url)), "utf8").match(/^ENTRYPOINT (\[.*\])$/m);
if (!entrypoint) throw new Error("apps/daemon/Dockerfile has no ENTRYPOINT [...] line");
const daemonNodeFlags = JSON.parse(entrypoint[1]).slice(1, -1);
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "faultline-bench-"));
const grpcSocket = join(dir, "daemon.sock");
const containerdSocket = defaultTestContainerdSocket();
const pods = new CriPodFixture(containerdSocket);
let daemon;
let pool;
const smallSpawner = new SpawnHelper();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function bareNsenter(pid) {
  return new Promise((resolve, reject) => {
    const child = spawn("nsenter", ["-t", String(pid), "-m", "--", "sh", "-c", "ps aux"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`nsenter exited ${code}`))));
  });
}

async function smallNsenter(pid) {
  const outcome = await smallSpawner.spawn({ file: "nsenter", args: ["-t", String(pid), "-m", "--", "sh", "-c", "ps aux"], timeoutMs: 10_000, maxOutputBytes: 4 << 20 });
  if (outcome.kind !== "exited" || outcome.code !== 0) throw new Error(`nsenter through faultline-spawn: ${outcome.kind} ${outcome.stderr}`);
  return outcome.stdout.toString();
}

/** The daemon's mean time per RPC method (seconds) between two /metrics scrapes. */
async function daemonSeconds(httpPort) {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const out = {};
  for (const m of text.matchAll(/^faultline_daemon_rpc_duration_seconds_(sum|count)\{method="(\w+)",code="OK"\} (\S+)$/gm)) {
    (out[m[2]] ??= { sum: 0, count: 0 })[m[1]] = Number(m[3]);
  }
  return out;
}
const meanBetween = (before, after, method) => {
  const a = after[method] ?? { sum: 0, count: 0 };
  const b = before[method] ?? { sum: 0, count: 0 };
  return a.count > b.count ? ((a.sum - b.sum) / (a.count - b.count)) * 1000 : NaN;
};

// The daemon runs at --log-level warn so that logging does not weigh on the timed calls; it then
// prints no ready line, so readiness is its socket answering.
try {
  const { containerId, pid } = await pods.startContainer({ name: "bench" });
  const httpPort = await freePort();
  daemon = spawn(
    process.execPath,
    [...daemonNodeFlags, daemonMain, "--grpc-socket", grpcSocket, "--http-host", "127.0.0.1", "--http-port", String(httpPort), "--containerd-socket", containerdSocket, "--log-level", "warn"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await waitForSocket(grpcSocket);
  // the manager's client: its pool, one HTTP/2 session per daemon, namespaced-name on every call
  pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${grpcSocket}`) });
  const client = await pool.clientFor("bench-node", "default/bench-helloworld");
  for (let i = 0; i < rpcWarmup; i++) await client.containerGetPid({ containerId });
  const times = { rpc: [], bare: [], small: [], roundTrip: [] };
  let before;
  for (let i = 0; i < warmup + runs; i++) {
    if (i === warmup) before = await daemonSeconds(httpPort);
    // alternate which goes first, so neither always runs on a warmer cache
    const order = i % 2 === 0 ? ["rpc", "bare", "small", "roundTrip"] : ["small", "bare", "rpc", "roundTrip"];
    for (const which of order) {
      const t0 = performance.now();
      if (which === "rpc") await client.execHelloWorldChaos({ containerId });
      else if (which === "bare") await bareNsenter(pid);
      else if (which === "small") await smallNsenter(pid);
      else await client.containerGetPid({ containerId });
      const ms = performance.now() - t0;
      if (i >= warmup) times[which].push(ms);
    }
  }
  const after = await daemonSeconds(httpPort);
  const mRpc = median(times.rpc);
  const mBare = median(times.bare);
  const mTrip = median(times.roundTrip);
  const mSmall = median(times.small);
  const dExec = meanBetween(before, after, "ExecHelloWorldChaos");
  const dPid = meanBetween(before, after, "ContainerGetPid");
  const f = (ms) => `${ms.toFixed(2)} ms`;
  console.log(`runs: ${runs} each, interleaved, after ${warmup} warm-up rounds and ${rpcWarmup} warm-up ContainerGetPid calls; daemon started as its image starts it: node ${daemonNodeFlags.join(" ")}`);
  console.log(`ExecHelloWorldChaos end to end: median ${f(mRpc)}`);
  console.log(`bare nsenter -t PID -m -- sh -c 'ps aux': median ${f(mBare)}`);
  console.log(`ratio (rpc / bare): ${(mRpc / mBare).toFixed(3)}  (goal ≤ 1.15)`);
  console.log(`the same nsenter started by faultline-spawn from this process (no daemon, no RPC): median ${f(mSmall)}; ratio rpc / it: ${(mRpc / mSmall).toFixed(3)}`);
  console.log(`ContainerGetPid (a gRPC round trip to the daemon, no process): median ${f(mTrip)}`);
  console.log(`where the time goes (the daemon's own time: mean of its rpc_duration histogram over the timed calls):`);
  console.log(`  ExecHelloWorldChaos inside the daemon (interceptors, pid lookup, nsenter, logging): ${f(dExec)}  (bare nsenter: ${f(mBare)})`);
  console.log(`  ContainerGetPid inside the daemon (interceptors, cached pid lookup): ${f(dPid)}`);
  console.log(`  client + HTTP/2 + socket + server framing, per call: ~${f(mTrip - dPid)}  (ContainerGetPid round trip − its daemon time)`);
} finally {
  pool?.close();
  await smallSpawner.close();
  if (daemon && daemon.exitCode === null) {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
  }
  await pods.removeAll();
  pods.close();
  rmSync(dir, { recursive: true, force: true });
}
