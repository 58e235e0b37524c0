// Benchmark: StressChaos.
//   node tools/bench/stress-chaos.mjs [containers=50] [starts=20]
// 1. One record on the daemon: ExecStressors (a CPU stressor, 1 worker at 5%) over gRPC until it
//    answers (stress-ng then runs inside the container's cgroups and pid namespace) and
//    CancelStressors until every process is gone, against starting the same stress-ng by hand
//    (`nsenter --target=<pid> --pid -- stress-ng …`, waited for until it runs in the container's pid
//    namespace) and killing it; `starts` of each, interleaved; medians and their ratios.
// 2. Create → AllInjected of a StressChaos CPU stress (1 worker at 1% each) over `containers`
//    containers, then delete → gone (every stressor stopped), through the built manager and daemon.
// Real parts: the local cluster's API server, the built manager and daemon as processes, real
// busybox containers on the private containerd (pods bound and started by SimulatedKubelet).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ExecStressRequest_Scope } from "@faultline/api";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { SimulatedKubelet, applyChaosCrds, createTestNamespace, defaultTestContainerdSocket, localCluster, startAppProcess } from "@faultline/test-ground";
import { containerIdOf, startPods as startSimulatedPods } from "./simulated-pods.mjs";

const containers = Number(process.argv[2] ?? 50);
const starts = Number(process.argv[3] ?? 20);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "stresschaos" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const containerdSocket = defaultTestContainerdSocket();

const cluster = await localCluster("api-only");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(cluster.kubeConfig);
const ns = await createTestNamespace(cluster.kubeConfig, "bench-stress");
const kubelet = new SimulatedKubelet(core);
const runtime = createContainerRuntimeClient({ sockets: { containerd: containerdSocket } });
const socket = join(mkdtempSync(join(tmpdir(), "faultline-bench-stress-")), "daemon.sock");
let daemon;
let manager;

const startPods = (prefix, count) => startSimulatedPods(kubelet, ns.name, prefix, count);

/** Host pids in the pid namespace of `pid` whose name starts with stress-ng. */
function stressNgIn(pid) {
  const nsLink = readlinkSync(`/proc/${pid}/ns/pid`);
  const found = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) === nsLink && readFileSync(`/proc/${name}/comm`, "utf8").startsWith("stress-ng")) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
const time = async (fn) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

try {
  daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", containerdSocket],
    (l) => l.message === "faultline daemon serving",
  );
  const client = createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socket) } }));

  // 1. one record: the daemon against stress-ng by hand, interleaved
  const targets = await startPods("one", 2);
  const [a, b] = await Promise.all(targets.map(async (pod) => ({ containerId: containerIdOf(pod), pid: await runtime.getPid(containerIdOf(pod)) })));
  const args = ["--cpu", "1", "--cpu-load", "5"];
  const viaDaemon = { start: [], stop: [] };
  const byHand = { start: [], stop: [] };
  for (let i = 0; i <= starts; i++) {
    const recordKey = `bench/${i}`;
    const dStart = await time(() => client.execStressors({ scope: ExecStressRequest_Scope.CONTAINER, target: a.containerId, cpuStressors: args.join(" "), recordKey }));
    const dStop = await time(() => client.cancelStressors({ recordKey }));
    let child;
    const hStart = await time(async () => {
      child = spawn("nsenter", [`--target=${b.pid}`, "--pid", "--", "stress-ng", ...args], { stdio: "ignore" });
      while (stressNgIn(b.pid).length < 2) await sleep(1); // the parent and its worker
    });
    const hStop = await time(async () => {
      const exited = new Promise((r) => child.once("exit", r));
      for (const pid of stressNgIn(b.pid)) process.kill(pid, "SIGTERM");
      await exited;
      while (stressNgIn(b.pid).length > 0) await sleep(1);
    });
    if (i === 0) continue; // warm-up
    viaDaemon.start.push(dStart);
    viaDaemon.stop.push(dStop);
    byHand.start.push(hStart);
    byHand.stop.push(hStop);
  }

  // 2. create → AllInjected over `containers` containers, then delete → gone
  await startPods("many", containers);
  manager = await startAppProcess(
    managerMain,
    ["--kubeconfig", cluster.kubeconfigPath, "--namespace", ns.name, "--daemon-address", `unix:${socket}`, "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"],
    (l) => l.message === "leading: watching chaos kinds",
  );
  await sleep(1000);
  const name = "burn-many";
  const t0 = performance.now();
  await custom.createNamespacedCustomObject({
    ...group,
    namespace: ns.name,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "StressChaos", metadata: { name }, spec: { mode: "all", selector: { labelSelectors: { batch: "many" } }, stressors: { cpu: { workers: 1, load: 1 } } } },
  });
  for (;;) {
    const obj = await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name });
    if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
    await sleep(50);
  }
  const injected = (performance.now() - t0) / 1000;
  const records = (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })).status.experiment.containerRecords;
  if (records.length !== containers) throw new Error(`expected ${containers} records, got ${records.length}`);
  const t1 = performance.now();
  await custom.deleteNamespacedCustomObject({ ...group, namespace: ns.name, name });
  while (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name }).then(() => true, () => false)) await sleep(50);
  const deleted = (performance.now() - t1) / 1000;
  const started = daemon.lines.filter((l) => l.message === "stressors running").length;

  console.log(`one record on the daemon (${starts} each, interleaved, medians; CPU stressor 1 worker at 5%):`);
  console.log(`  daemon ExecStressors over gRPC:     ${median(viaDaemon.start).toFixed(1)} ms  (checked twice, dry-run, cgroups joined, until stress-ng runs)`);
  console.log(`  by hand nsenter -p -- stress-ng:    ${median(byHand.start).toFixed(1)} ms  (until stress-ng runs in the pid namespace; no cgroup, no checks)`);
  console.log(`  ratio start (daemon / by hand):     ${(median(viaDaemon.start) / median(byHand.start)).toFixed(2)}`);
  console.log(`  daemon CancelStressors over gRPC:   ${median(viaDaemon.stop).toFixed(1)} ms  (found by marker in /proc, until every process is gone)`);
  console.log(`  by hand SIGTERM, wait for exit:     ${median(byHand.stop).toFixed(1)} ms`);
  console.log(`  ratio stop (daemon / by hand):      ${(median(viaDaemon.stop) / median(byHand.stop)).toFixed(2)}`);
  console.log(`StressChaos CPU (1 worker at 1%) over ${containers} containers, through the built manager and daemon:`);
  console.log(`  create → AllInjected:               ${injected.toFixed(2)} s  (${((injected * 1000) / containers).toFixed(0)} ms per record; ${started - starts - 1} records started)`);
  console.log(`  delete → gone (every stressor off): ${deleted.toFixed(2)} s`);
  console.log(`  ratio per record (create → AllInjected / ${containers}, against one stress-ng by hand): ${((injected * 1000) / containers / median(byHand.start)).toFixed(2)}`);
} finally {
  await manager?.stop();
  await daemon?.stop();
  runtime.close();
  await kubelet.cleanup();
  await ns.remove();
}
