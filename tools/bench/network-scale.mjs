// Benchmark: NetworkChaos at scale, on simulated pods and a daemon that answers at once.
//   node tools/bench/network-scale.mjs [pods…=1000 5000]
// For each size: `pods` pod objects (Running, one container, an address each, on one node; no
// container behind them), half labelled side=a and half side=b, and two overlapping partitions
// (mode all, direction to) over all of them: a → b, then b → a, so every pod holds a record of both
// experiments (above 1,000 records each, their records live in RecordShards). Measured per
// experiment: create → AllInjected and the Kubernetes API calls the manager made per record (its
// rest_client_requests_total); then the manager's peak RSS (VmHWM), with the chart's NODE_OPTIONS. Checked, before numbers count:
// every pod's last SetIptablesChains holds both experiments' chains once both are injected, and
// still the first one's after the second is deleted (composition never strips the other's rules).
// Real parts: the local cluster's API server, the built manager as a process (default client
// limits, qps 30 / burst 50), a ChaosDaemon gRPC server (@faultline/daemon-server) whose network
// RPCs keep each pod's last chains and answer at once: what is measured is the manager.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { createDaemonLogger, createDaemonServer, DaemonHandlerRegistry } from "@faultline/daemon-server";
import { applyChaosCrds, localCluster, startAppProcess } from "@faultline/test-ground";
import { managerApiRequests } from "./manager-api-requests.mjs";
import { ensureSimulatedNode, recordCountOf, untilDeleted, withSimulatedPods } from "./simulated-api-pods.mjs";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(1000, 5000);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
const node = "faultline-bench-node";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the manager runs with the chart's heap settings (charts/faultline/values.yaml manager.nodeOptions),
// so its peak RSS is what the chart's 256 MiB limit would see
const chartNodeOptions = "--max-semi-space-size=2 --max-old-space-size=160";

const cluster = await localCluster("api-only");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(cluster.kubeConfig);

const caps = create(NodeCapabilitiesSchema, { nodeName: node, qdiscs: ["htb", "tbf"], classifiers: ["u32"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set"] });
const chains = new Map(); // pod uid → chain names its last SetIptablesChains held
const registry = new DaemonHandlerRegistry().register("bench", {
  getNodeCapabilities: async () => caps,
  flushIPSets: async () => ({}),
  setIptablesChains: async (req) => (chains.set(req.podUid, req.chains.map((c) => c.name)), {}),
  setTcs: async () => ({}),
});
const daemon = createDaemonServer({ handlers: registry, logger: createDaemonLogger({ level: "error" }) });
const socket = join(mkdtempSync(join(tmpdir(), "faultline-bench-network-")), "daemon.sock");
await daemon.listen({ socketPath: socket });
await ensureSimulatedNode(core, node, "network-scale");

const partition = (name, from, to) => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "NetworkChaos",
  // above the manager's default blast radius (1,000 records) on purpose
  metadata: { name, annotations: { "faultline.chaos-mesh.org/blast-radius-override": "true" } },
  spec: { action: "partition", mode: "all", direction: "to", selector: { labelSelectors: { app: "sim", side: from } }, target: { mode: "all", selector: { labelSelectors: { app: "sim", side: to } } } },
});

async function untilAllInjected(namespace, name, t0) {
  for (;;) {
    const obj = await custom.getNamespacedCustomObject({ ...group, namespace, name });
    if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) return obj;
    if (performance.now() - t0 > 900_000) throw new Error(`${name}: not AllInjected after 15 minutes`);
    await sleep(100);
  }
}

/** Pods whose last chains lack one of `names` or hold one of `absent`. */
function wrongPods(uids, names, absent = []) {
  return uids.filter((uid) => {
    const held = chains.get(uid) ?? [];
    return names.some((n) => !held.some((c) => c.includes(n))) || absent.some((n) => held.some((c) => c.includes(n)));
  });
}

const peakRssMiB = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;

async function run(namespace, uids) {
  const args = ["--kubeconfig", cluster.kubeconfigPath, "--namespace", namespace, "--daemon-address", `unix:${socket}`, "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"];
  const inherited = process.env.NODE_OPTIONS;
  process.env.NODE_OPTIONS = chartNodeOptions;
  const manager = await startAppProcess(managerMain, args, (l) => l.message === "leading: watching chaos kinds", 120_000).finally(() => {
    if (inherited === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = inherited;
  });
  try {
    const port = Number(manager.lines.find((l) => l.message === "faultline manager started")?.http);
    await sleep(500);
    const results = [];
    for (const [name, from, to] of [["left", "a", "b"], ["right", "b", "a"]]) {
      const before = await managerApiRequests(port);
      const t0 = performance.now();
      await custom.createNamespacedCustomObject({ ...group, namespace, body: partition(name, from, to) });
      const obj = await untilAllInjected(namespace, name, t0);
      const injectedS = (performance.now() - t0) / 1000;
      const calls = (await managerApiRequests(port)) - before;
      const experiment = obj.status.experiment;
      const records = recordCountOf(experiment);
      if (records !== uids.length) throw new Error(`${name}: expected ${uids.length} records, got ${records}`);
      results.push({ name, injectedS, perRecord: calls / records, shards: experiment.recordShards ?? 0 });
    }
    // composition: both experiments' rules on every pod
    await sleep(1000);
    const missing = wrongPods(uids, ["left", "right"]);
    if (missing.length > 0) throw new Error(`${missing.length} pods lack a chain of left or right after both were injected`);
    // the second one deleted: the first one's rules stay on every pod
    const t1 = performance.now();
    await custom.deleteNamespacedCustomObject({ ...group, namespace, name: "right" });
    await untilDeleted(custom, { ...group, namespace, name: "right" }, 100);
    const goneS = (performance.now() - t1) / 1000;
    const stripped = wrongPods(uids, ["left"], ["right"]);
    if (stripped.length > 0) throw new Error(`${stripped.length} pods lost left's chains or kept right's after right was deleted`);
    const rss = peakRssMiB(manager.process.pid);
    await custom.deleteNamespacedCustomObject({ ...group, namespace, name: "left" });
    await untilDeleted(custom, { ...group, namespace, name: "left" }, 100);
    return { results, goneS, rss };
  } finally {
    await manager.stop();
  }
}

const lines = [];
try {
  for (const count of sizes) {
    const pods = { labels: (i) => ({ side: i < count / 2 ? "a" : "b" }), ip: (i) => `10.200.${i >> 8}.${i & 255}` };
    await withSimulatedPods(cluster.kubeConfig, core, node, `bench-net-${count}`, count, pods, async (namespace, uids) => {
      chains.clear();
      const { results, goneS, rss } = await run(namespace, uids);
      lines.push(`NetworkChaos partition, mode all, over ${count} simulated pods (two overlapping experiments, default client limits qps 30 / burst 50):`);
      for (const r of results) {
        lines.push(`  ${r.name === "left" ? "left a → b (first)  " : "right b → a (second)"} create → AllInjected ${r.injectedS.toFixed(2).padStart(7)} s   ${r.perRecord.toFixed(3)} API calls/record${r.shards ? ` (records in ${r.shards} RecordShards)` : ""}`);
      }
      lines.push(`  second deleted → gone ${goneS.toFixed(2)} s (first one's rules kept on all ${count} pods)   manager peak RSS ${rss.toFixed(0)} MiB (NODE_OPTIONS ${chartNodeOptions})`);
      process.stdout.write(lines.slice(-4).join("\n") + "\n");
    });
  }
} finally {
  await daemon.close();
  await core.deleteNode({ name: node }).catch(() => undefined);
}
process.stdout.write(`\n${lines.join("\n")}\n`);
process.exit(0);
