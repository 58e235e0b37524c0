// Benchmark: Create → AllInjected of a HelloWorldChaos over N containers (default 100), with the
// manager's --parallelism at 1 and at its default (8), measured in one run on the same pods.
//   node tools/bench/helloworld-parallelism.mjs [containers=100]
// Real parts: the local cluster's API server, the built manager and daemon as processes, real
// busybox containers (pods bound and started by the test ground's SimulatedKubelet).
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { SimulatedKubelet, applyChaosCrds, createTestNamespace, localCluster, startAppProcess } from "@faultline/test-ground";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const containers = Number(process.argv[2] ?? 100);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cluster = await localCluster("api-only");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(cluster.kubeConfig);
const ns = await createTestNamespace(cluster.kubeConfig, "bench");
const kubelet = new SimulatedKubelet(core);
const socket = join(mkdtempSync(join(tmpdir(), "faultline-bench-")), "daemon.sock");
let daemon;
let manager;
try {
  process.stderr.write(`starting ${containers} pods `);
  for (let i = 0; i < containers; i++) {
    await kubelet.runPod({ namespace: ns.name, name: `busybox-${i}` });
    if (i % 10 === 9) process.stderr.write(".");
  }
  process.stderr.write("\n");
  daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", defaultTestContainerdSocket()],
    (l) => l.message === "faultline daemon serving",
  );
  const timeToAllInjected = async (parallelism, extraArgs = []) => {
    const args = ["--kubeconfig", cluster.kubeconfigPath, "--namespace", ns.name, "--daemon-address", `unix:${socket}`,
      "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"];
    if (parallelism !== undefined) args.push("--parallelism", String(parallelism));
    args.push(...extraArgs);
    manager = await startAppProcess(managerMain, args, (l) => l.message === "leading: watching chaos kinds");
    await sleep(500);
    const name = `bench-${parallelism ?? "default"}-${extraArgs.length}`;
    const t0 = performance.now();
    await custom.createNamespacedCustomObject({
      ...group,
      namespace: ns.name,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { name }, spec: { selector: { namespaces: [ns.name] }, mode: "all" } },
    });
    for (;;) {
      const obj = await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name });
      if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
      await sleep(50);
    }
    const seconds = (performance.now() - t0) / 1000;
    const records = (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })).status.experiment.containerRecords;
    if (records.length !== containers) throw new Error(`expected ${containers} records, got ${records.length}`);
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns.name, name });
    while (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name }).then(() => true, () => false)) await sleep(100);
    await manager.stop();
    return seconds;
  };
  // each record costs about three API calls (read the pod, an Event, its share of status writes),
  // so the client's QPS limit (default 30) bounds both runs; the third run lifts it to show what
  // the parallel bound alone buys on this machine
  const unlimited = ["--qps", "1000", "--burst", "1000"];
  const serial = await timeToAllInjected(1);
  const parallel = await timeToAllInjected(undefined);
  const serialFree = await timeToAllInjected(1, unlimited);
  const parallelFree = await timeToAllInjected(undefined, unlimited);
  console.log(`HelloWorldChaos over ${containers} containers, create → AllInjected:`);
  console.log(`  default client limits (qps 30, burst 50):`);
  console.log(`    --parallelism 1:         ${serial.toFixed(2)} s`);
  console.log(`    --parallelism (default): ${parallel.toFixed(2)} s`);
  console.log(`    ratio (1 / default):     ${(serial / parallel).toFixed(2)}`);
  console.log(`  client limits lifted (qps 1000, burst 1000):`);
  console.log(`    --parallelism 1:         ${serialFree.toFixed(2)} s`);
  console.log(`    --parallelism (default): ${parallelFree.toFixed(2)} s`);
  console.log(`    ratio (1 / default):     ${(serialFree / parallelFree).toFixed(2)}`);
} finally {
  await manager?.stop();
  await daemon?.stop();
  await kubelet.cleanup();
  await ns.remove();
}
