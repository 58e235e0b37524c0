// Benchmark: ExecHelloWorldChaos end to end (gRPC call → daemon → CRI pid lookup → nsenter → ps)
// against a bare `nsenter -t PID -m -- sh -c 'ps aux'` on the same container, interleaved so that
// noise from this shared machine hits both alike. Prints both medians and their ratio.
//   node tools/bench/exec-helloworld.mjs [runs=40]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { waitForSocket } from "./daemon-socket.mjs";

const runs = Number(process.argv[2] ?? 40);
const warmup = 5;
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "faultline-bench-"));
const grpcSocket = join(dir, "daemon.sock");
const containerdSocket = defaultTestContainerdSocket();
const pods = new CriPodFixture(containerdSocket);
let daemon;

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

// The daemon runs at --log-level warn so that logging does not weigh on the timed calls; it then
// prints no ready line, so readiness is its socket answering.
try {
  const { containerId, pid } = await pods.startContainer({ name: "bench" });
  daemon = spawn(
    process.execPath,
    [daemonMain, "--grpc-socket", grpcSocket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", containerdSocket, "--log-level", "warn"],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  await waitForSocket(grpcSocket);
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(grpcSocket) } }),
  );
  const rpc = [];
  const bare = [];
  const roundTrip = [];
  for (let i = 0; i < warmup + runs; i++) {
    // alternate which goes first, so neither always runs on a warmer cache
    const order = i % 2 === 0 ? ["rpc", "bare", "roundTrip"] : ["bare", "rpc", "roundTrip"];
    for (const which of order) {
      const t0 = performance.now();
      if (which === "rpc") await client.execHelloWorldChaos({ containerId });
      else if (which === "bare") await bareNsenter(pid);
      else await client.containerGetPid({ containerId });
      const ms = performance.now() - t0;
      if (i >= warmup) ({ rpc, bare, roundTrip })[which].push(ms);
    }
  }
  const mRpc = median(rpc);
  const mBare = median(bare);
  console.log(`runs: ${runs} each, interleaved, after ${warmup} warm-up rounds`);
  console.log(`ExecHelloWorldChaos end to end: median ${mRpc.toFixed(2)} ms`);
  console.log(`bare nsenter -t PID -m -- sh -c 'ps aux': median ${mBare.toFixed(2)} ms`);
  console.log(`ratio (rpc / bare): ${(mRpc / mBare).toFixed(3)}  (goal ≤ 1.15)`);
  console.log(`for reference, ContainerGetPid (a gRPC round trip to the daemon, no process): median ${median(roundTrip).toFixed(2)} ms`);
} finally {
  if (daemon && daemon.exitCode === null) {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
  }
  await pods.removeAll();
  pods.close();
  rmSync(dir, { recursive: true, force: true });
}
