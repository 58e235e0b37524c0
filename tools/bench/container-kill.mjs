// Benchmark: PodChaos container-kill.
//   node tools/bench/container-kill.mjs [containers=100] [kills=30]
// 1. One kill: the daemon's ContainerKill over gRPC against a bare `ctr task kill -s SIGKILL` on the
//    same containerd, `kills` containers each, interleaved; medians and their ratio.
// 2. Create → AllInjected of a PodChaos container-kill over `containers` containers with the
//    manager's --parallelism at 1 (Chaos Mesh's serial model) and at its default, fresh pods each;
//    both times, their ratio, and the Kubernetes API calls the manager made per record (its
//    rest_client_requests_total before and after).
// Real parts: the local cluster's API server, the built manager and daemon as processes, real
// busybox containers on the private containerd (pods bound and started by SimulatedKubelet).
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ContainerAction_Action } from "@faultline/api";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { SimulatedKubelet, applyChaosCrds, createTestNamespace, defaultTestContainerdSocket, localCluster, startAppProcess } from "@faultline/test-ground";
import { containerIdOf, startPods as startSimulatedPods } from "./simulated-pods.mjs";
import { managerApiRequests } from "./manager-api-requests.mjs";

const containers = Number(process.argv[2] ?? 100);
const kills = Number(process.argv[3] ?? 30);
const run = promisify(execFile);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const containerdSocket = defaultTestContainerdSocket();

const cluster = await localCluster("api-only");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(cluster.kubeConfig);
const ns = await createTestNamespace(cluster.kubeConfig, "bench-kill");
const kubelet = new SimulatedKubelet(core);
const socket = join(mkdtempSync(join(tmpdir(), "faultline-bench-kill-")), "daemon.sock");
let daemon;
let manager;

const startPods = (prefix, count) => startSimulatedPods(kubelet, ns.name, prefix, count);

try {
  daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", containerdSocket],
    (l) => l.message === "faultline daemon serving",
  );

  // 1. one kill, daemon against bare ctr, interleaved
  const client = createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socket) } }));
  const victims = await startPods("kill", 2 * kills + 2);
  const time = async (fn) => {
    const t0 = performance.now();
    await fn();
    return performance.now() - t0;
  };
  // one warm-up each
  await client.containerKill({ action: { action: ContainerAction_Action.KILL }, containerId: containerIdOf(victims[0]) });
  await run("ctr", ["--address", containerdSocket, "-n", "k8s.io", "task", "kill", "-s", "SIGKILL", containerIdOf(victims[1]).replace("containerd://", "")]);
  const viaDaemon = [];
  const viaCtr = [];
  for (let i = 0; i < kills; i++) {
    const a = victims[2 + 2 * i];
    const b = victims[3 + 2 * i];
    viaDaemon.push(await time(() => client.containerKill({ action: { action: ContainerAction_Action.KILL }, containerId: containerIdOf(a) })));
    viaCtr.push(await time(() => run("ctr", ["--address", containerdSocket, "-n", "k8s.io", "task", "kill", "-s", "SIGKILL", containerIdOf(b).replace("containerd://", "")])));
  }

  // 2. create → AllInjected over `containers` container-kills, serial and parallel
  const metricsTotal = managerApiRequests;
  const timeToAllInjected = async (label, parallelism) => {
    await startPods(label, containers);
    const args = ["--kubeconfig", cluster.kubeconfigPath, "--namespace", ns.name, "--daemon-address", `unix:${socket}`,
      "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"];
    if (parallelism !== undefined) args.push("--parallelism", String(parallelism));
    manager = await startAppProcess(managerMain, args, (l) => l.message === "leading: watching chaos kinds");
    const port = manager.lines.find((l) => l.message === "faultline manager started").http;
    await sleep(1000);
    const before = await metricsTotal(port);
    const name = `kill-${label}`;
    const t0 = performance.now();
    await custom.createNamespacedCustomObject({
      ...group,
      namespace: ns.name,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name },
        spec: { action: "container-kill", mode: "all", containerNames: ["busybox"], selector: { labelSelectors: { batch: label } } } },
    });
    for (;;) {
      const obj = await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name });
      if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    const calls = (await metricsTotal(port)) - before;
    const records = (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })).status.experiment.containerRecords;
    if (records.length !== containers) throw new Error(`expected ${containers} records, got ${records.length}`);
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns.name, name });
    while (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name }).then(() => true, () => false)) await sleep(100);
    await manager.stop();
    manager = undefined;
    return { seconds, callsPerRecord: calls / containers };
  };
  const serial = await timeToAllInjected("serial", 1);
  const parallel = await timeToAllInjected("parallel", undefined);

  console.log(`one kill (${kills} each, interleaved, medians):`);
  console.log(`  daemon ContainerKill over gRPC: ${median(viaDaemon).toFixed(1)} ms`);
  console.log(`  bare ctr task kill -s SIGKILL:  ${median(viaCtr).toFixed(1)} ms  (a new ctr process each time)`);
  console.log(`  ratio (daemon / ctr):           ${(median(viaDaemon) / median(viaCtr)).toFixed(2)}`);
  console.log(`PodChaos container-kill over ${containers} containers, create → AllInjected (default client limits, qps 30 / burst 50):`);
  console.log(`  --parallelism 1:         ${serial.seconds.toFixed(2)} s, ${serial.callsPerRecord.toFixed(2)} API calls per record`);
  console.log(`  --parallelism (default): ${parallel.seconds.toFixed(2)} s, ${parallel.callsPerRecord.toFixed(2)} API calls per record`);
  console.log(`  ratio (1 / default):     ${(serial.seconds / parallel.seconds).toFixed(2)}`);
} finally {
  await manager?.stop();
  await daemon?.stop();
  await kubelet.cleanup();
  await ns.remove();
}
