// Benchmark: NetworkChaos partition.
//   node tools/bench/network-partition.mjs [pods=50]
// A partition of `pods` pods (direction to) from one target pod, on the local cluster's real kubelet
// (every pod its own network namespace on the cluster bridge): create → AllInjected (pods + 1
// records: the sources and the target, each sent FlushIPSets, SetIptablesChains and SetTcs) and
// delete → gone (every record recovered), with the manager's --parallelism at 1 (Chaos Mesh's
// serial model) and at its default; both times, their ratio, and the Kubernetes API calls the
// manager made per record. Checks, before timing counts, that a source really cannot reach the target.
// Real parts: the local cluster (full mode), the built manager and daemon as processes.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AppsV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { applyChaosCrds, createTestNamespace, deployBusybox, localCluster, startAppProcess } from "@faultline/test-ground";
import { managerApiRequests } from "./manager-api-requests.mjs";

const count = Number(process.argv[2] ?? 50);
const run = promisify(execFile);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cluster = await localCluster("full");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(cluster.kubeConfig);
const ns = await createTestNamespace(cluster.kubeConfig, "bench-partition");
const socket = join(mkdtempSync(join(tmpdir(), "faultline-bench-partition-")), "daemon.sock");
let daemon;
let manager;

const pidOf = async (pod) => {
  const id = pod.status.containerStatuses[0].containerID.replace("containerd://", "");
  const { stdout } = await run("ctr", ["--address", cluster.containerdSocket, "-n", "k8s.io", "task", "ls"]);
  return stdout.split("\n").find((l) => l.startsWith(id)).split(/\s+/)[1];
};
/** Whether `from` opens a TCP connection to `to` (its pod IP, a closed port: refused = reachable). */
const reaches = async (from, to) => {
  const { stdout } = await run("nsenter", ["-t", await pidOf(from), "-n", "--", process.execPath, "-e",
    `const s=require("net").connect(9,"${to.status.podIP}");setTimeout(()=>{console.log("timeout");process.exit(0)},1500);s.on("connect",()=>{console.log("open");process.exit(0)});s.on("error",e=>{console.log(e.code);process.exit(0)})`]);
  return stdout.trim() !== "timeout";
};

try {
  process.stderr.write(`starting ${count} source pods and 1 target on the kubelet…\n`);
  const sources = await deployBusybox(cluster.kubeConfig, ns.name, { name: "src", replicas: count, timeoutMs: 300_000 });
  const [target] = await deployBusybox(cluster.kubeConfig, ns.name, { name: "tgt", replicas: 1 });
  daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", cluster.containerdSocket],
    (l) => l.message === "faultline daemon serving",
  );
  const metricsTotal = managerApiRequests;
  const condition = async (name, type) =>
    (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })).status?.conditions?.some((c) => c.type === type && c.status === "True");
  const measure = async (label, parallelism) => {
    const args = ["--kubeconfig", cluster.kubeconfigPath, "--namespace", ns.name, "--daemon-address", `unix:${socket}`,
      "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"];
    if (parallelism !== undefined) args.push("--parallelism", String(parallelism));
    manager = await startAppProcess(managerMain, args, (l) => l.message === "leading: watching chaos kinds");
    const port = manager.lines.find((l) => l.message === "faultline manager started").http;
    await sleep(1000);
    const before = await metricsTotal(port);
    const name = `partition-${label}`;
    if (!(await reaches(sources[0], target))) throw new Error("the source reaches no target before the partition");
    const t0 = performance.now();
    await custom.createNamespacedCustomObject({
      ...group,
      namespace: ns.name,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "NetworkChaos", metadata: { name },
        spec: { action: "partition", mode: "all", selector: { labelSelectors: { app: "src" } }, direction: "to",
          target: { mode: "all", selector: { labelSelectors: { app: "tgt" } } } } },
    });
    while (!(await condition(name, "AllInjected"))) await sleep(50);
    const injected = (performance.now() - t0) / 1000;
    const calls = (await metricsTotal(port)) - before;
    const records = (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })).status.experiment.containerRecords;
    if (records.length !== count + 1) throw new Error(`expected ${count + 1} records, got ${records.length}`);
    if (await reaches(sources[count - 1], target)) throw new Error("a source still reaches the target under the partition");
    const t1 = performance.now();
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns.name, name });
    while (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name }).then(() => true, () => false)) await sleep(50);
    const recovered = (performance.now() - t1) / 1000;
    if (!(await reaches(sources[count - 1], target))) throw new Error("a source does not reach the target after recovery");
    await manager.stop();
    manager = undefined;
    return { injected, recovered, callsPerRecord: calls / (count + 1) };
  };
  const serial = await measure("serial", 1);
  const parallel = await measure("parallel", undefined);
  console.log(`NetworkChaos partition, ${count} pods → 1 target (${count + 1} records), real kubelet pods, default client limits (qps 30 / burst 50):`);
  console.log(`  --parallelism 1:         create → AllInjected ${serial.injected.toFixed(2)} s, delete → recovered ${serial.recovered.toFixed(2)} s, ${serial.callsPerRecord.toFixed(2)} API calls per record (apply)`);
  console.log(`  --parallelism (default): create → AllInjected ${parallel.injected.toFixed(2)} s, delete → recovered ${parallel.recovered.toFixed(2)} s, ${parallel.callsPerRecord.toFixed(2)} API calls per record (apply)`);
  console.log(`  ratio (1 / default):     inject ${(serial.injected / parallel.injected).toFixed(2)}, recover ${(serial.recovered / parallel.recovered).toFixed(2)}`);
} finally {
  await manager?.stop();
  await daemon?.stop();
  await cluster.kubeConfig.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ namespace: ns.name, name: "src" }).catch(() => {});
  await ns.remove();
}
