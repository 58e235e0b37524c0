// Benchmark: per-target bandwidth for 1, 10 and 100 target CIDRs — FlushIPSets (the target ipset)
// then SetTcs (a tbf to that ipset), through the built daemon over gRPC, against the very commands
// that call runs (tc, ipset, iptables-restore and the listings they need), replayed bare through
// `nsenter -t PID -n` one after another. The commands are recorded from the same handlers in this
// process, on the same pod, in the same state. Interleaved, so noise from this shared machine hits
// both alike; prints medians and ratios measured in this one run.
//   node tools/bench/network-settcs.mjs [runs=15]
import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, Tc_Type } from "@faultline/api";
import { NamespaceMode } from "@faultline/api/cri";
import { networkDaemonHandlers } from "@faultline/chaos/network/daemon";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { NamespaceProcessRunner, callDaemonHandler, nodeCapabilityProbeFor } from "@faultline/daemon-server";
import { connectCriRuntime, defaultTestContainerdSocket } from "@faultline/test-ground";
import { waitForSocket } from "./daemon-socket.mjs";

const runs = Number(process.argv[2] ?? 15);
const warmup = 3;
const sizes = [1, 10, 100];
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "faultline-bench-net-"));
const grpcSocket = join(dir, "daemon.sock");
const containerdSocket = defaultTestContainerdSocket();
const cri = connectCriRuntime(containerdSocket);
let daemon;
let sandbox;
let podLogs;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A busybox pod with its own network namespace (the runtime's CNI bridge). */
async function startPod() {
  const name = `bench-net-${randomBytes(4).toString("hex")}`;
  const logDirectory = join(dirname(containerdSocket), "podlogs", name);
  mkdirSync(logDirectory, { recursive: true });
  podLogs = logDirectory;
  const namespaceOptions = { network: NamespaceMode.POD, pid: NamespaceMode.CONTAINER, ipc: NamespaceMode.POD };
  const sandboxConfig = { metadata: { name, uid: randomUUID(), namespace: "default", attempt: 0 }, hostname: name, logDirectory, labels: { "faultline.dev/test-fixture": "bench" }, linux: { securityContext: { namespaceOptions } } };
  const { podSandboxId } = await cri.client.runPodSandbox({ config: sandboxConfig });
  sandbox = podSandboxId;
  const { containerId } = await cri.client.createContainer({
    podSandboxId,
    sandboxConfig,
    config: { metadata: { name, attempt: 0 }, image: { image: "docker.io/library/busybox:latest" }, command: ["sleep", "3600"], logPath: "c.log", linux: { securityContext: { namespaceOptions } } },
  });
  await cri.client.startContainer({ containerId });
  const status = await cri.client.containerStatus({ containerId, verbose: true });
  return { containerId: `containerd://${containerId}`, pid: JSON.parse(status.info.info).pid };
}

/** A runner that records every command (and its stdin) the handlers run. */
class RecordingRunner extends NamespaceProcessRunner {
  recorded = [];
  async run(request) {
    this.recorded.push({ argv: [...request.argv], input: request.input });
    return super.run(request);
  }
}

function bare(pid, { argv, input }) {
  return new Promise((resolve) => {
    const child = spawn("nsenter", ["-t", String(pid), "-n", "--", ...argv], { stdio: [input === undefined ? "ignore" : "pipe", "ignore", "ignore"] });
    if (input !== undefined) child.stdin.end(input);
    child.on("close", resolve); // "no root qdisc to delete" fails on purpose, as in the daemon
  });
}

const cidrs = (n) => Array.from({ length: n }, (_, i) => `10.${200 + Math.floor(i / 250)}.${i % 250}.0/24`);
const requests = (containerId, n) => ({
  ipsets: { containerId, enterNs: true, ipsets: [{ name: "bench_tgt", type: "hash:net", cidrs: cidrs(n) }] },
  tcs: { containerId, enterNs: true, tcs: [{ type: Tc_Type.BANDWIDTH, tbf: { rate: "10mbit", limit: 100000, buffer: 20000 }, ipset: "bench_tgt", device: "eth0" }] },
});

try {
  const { containerId, pid } = await startPod();
  daemon = spawn(process.execPath, [daemonMain, "--grpc-socket", grpcSocket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", containerdSocket, "--log-level", "warn"], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForSocket(grpcSocket);
  const client = createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(grpcSocket) } }));
  await client.getNodeCapabilities({}); // the daemon's one probe, outside the timings

  const runtime = createContainerRuntimeClient({ sockets: { containerd: containerdSocket } });
  const recorder = new RecordingRunner();
  const local = networkDaemonHandlers({ runtime, runner: recorder });
  await nodeCapabilityProbeFor(recorder).get(); // the probe's own commands are not the call's
  console.log(`runs: ${runs} each per size, interleaved, after ${warmup} warm-up rounds; pod ${containerId.slice(0, 25)}…`);
  console.log("target CIDRs | daemon processes | bare commands (changing) | daemon (gRPC) median | bare, all commands | ratio | bare, changing only | ratio");
  for (const n of sizes) {
    const req = requests(containerId, n);
    // bring the pod into the state every timed call starts from (the same state it leaves), then record one call
    await client.flushIPSets(req.ipsets);
    await client.setTcs(req.tcs);
    recorder.recorded = [];
    await callDaemonHandler(local, "flushIPSets", req.ipsets);
    await callDaemonHandler(local, "setTcs", req.tcs);
    // the daemon batches its tc commands (tc -batch); the bare baseline runs each as its own process
    const commands = recorder.recorded.flatMap((c) =>
      c.argv[0] === "tc" && c.argv.includes("-batch")
        ? c.input.trim().split("\n").map((line) => ({ argv: ["tc", ...line.split(" ")], input: undefined }))
        : [c],
    );
    const daemonProcesses = recorder.recorded.length;
    if (process.env.BENCH_SHOW_COMMANDS) for (const c of commands) console.log("  ", c.argv.join(" "), c.input ? `<<< ${JSON.stringify(c.input.slice(0, 80))}` : "");
    // the commands that change the namespace; the rest read it (ipset list, iptables-save, ip link)
    const reads = (c) => c.argv[0] === "ip" || (c.argv[0] === "ipset" && c.argv[1] === "list") || c.argv[0].endsWith("-save");
    const changing = commands.filter((c) => !reads(c));
    const rpc = [];
    const plain = [];
    const minimal = [];
    for (let i = 0; i < warmup + runs; i++) {
      for (const which of i % 2 === 0 ? ["rpc", "bare", "minimal"] : ["minimal", "bare", "rpc"]) {
        const t0 = performance.now();
        if (which === "rpc") {
          await client.flushIPSets(req.ipsets);
          await client.setTcs(req.tcs);
        } else {
          for (const c of which === "bare" ? commands : changing) await bare(pid, c);
        }
        if (i >= warmup) ({ rpc, bare: plain, minimal })[which].push(performance.now() - t0);
      }
    }
    const [mr, mb, mm] = [median(rpc), median(plain), median(minimal)];
    console.log(
      `${String(n).padStart(12)} | ${String(daemonProcesses).padStart(16)} | ${`${commands.length} (${changing.length})`.padStart(24)} | ${mr.toFixed(1).padStart(17)} ms | ${mb.toFixed(1).padStart(15)} ms | ${(mr / mb).toFixed(3)} | ${mm.toFixed(1).padStart(16)} ms | ${(mr / mm).toFixed(3)}`,
    );
  }
  // leave nothing behind, and show it
  await client.setTcs({ containerId, tcs: [] });
  await client.flushIPSets({ containerId, ipsets: [] });
  const left = execFileSync("nsenter", ["-t", String(pid), "-n", "--", "tc", "qdisc", "show", "dev", "eth0"], { encoding: "utf8" }).trim();
  console.log(`after SetTcs([]): ${left}`);
  runtime.close();
} finally {
  if (daemon && daemon.exitCode === null) {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
  }
  if (sandbox) {
    await cri.client.stopPodSandbox({ podSandboxId: sandbox }).catch(() => undefined);
    await cri.client.removePodSandbox({ podSandboxId: sandbox }).catch(() => undefined);
  }
  cri.close();
  rmSync(dir, { recursive: true, force: true });
  if (podLogs) rmSync(podLogs, { recursive: true, force: true });
}
