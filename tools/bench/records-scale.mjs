// Benchmark: the records pipeline at scale, on simulated pods and a daemon that answers at once.
//   node tools/bench/records-scale.mjs [targets…=100 1000]
// For each size: `targets` pod objects (Running, one container, on one node; no container behind
// them) and a HelloWorldChaos over all of them. Create → AllInjected and delete → gone, with the
// manager's --parallelism at 1 (the serial bound) and at its default, under the default client
// limits (qps 30 / burst 50); the Kubernetes API calls the manager made per record (its
// rest_client_requests_total, counted at the client), and the largest status written, in bytes.
// Real parts: the local cluster's API server, the built manager as a process, a ChaosDaemon gRPC
// server (@faultline/daemon-server) whose ExecHelloWorldChaos answers at once: what is measured is
// the manager, not the daemon.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { createDaemonLogger, createDaemonServer, DaemonHandlerRegistry } from "@faultline/daemon-server";
import { applyChaosCrds, localCluster, startAppProcess } from "@faultline/test-ground";
import { managerApiRequests } from "./manager-api-requests.mjs";
import { ensureSimulatedNode, recordCountOf, untilDeleted, withSimulatedPods } from "./simulated-api-pods.mjs";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(100, 1000);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const node = "faultline-bench-node";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const cluster = await localCluster("api-only");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(cluster.kubeConfig);

let calls = 0;
const registry = new DaemonHandlerRegistry().register("bench", {
  execHelloWorldChaos: async () => {
    calls++;
    return {};
  },
});
const daemon = createDaemonServer({ handlers: registry, logger: createDaemonLogger({ level: "error" }) });
const socket = join(mkdtempSync(join(tmpdir(), "faultline-bench-scale-")), "daemon.sock");
await daemon.listen({ socketPath: socket });
await ensureSimulatedNode(core, node, "records-scale");

async function run(namespace, targets, parallelism) {
  const args = ["--kubeconfig", cluster.kubeconfigPath, "--namespace", namespace, "--daemon-address", `unix:${socket}`,
    "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"];
  if (parallelism !== undefined) args.push("--parallelism", String(parallelism));
  const manager = await startAppProcess(managerMain, args, (l) => l.message === "leading: watching chaos kinds");
  try {
    const port = Number(manager.lines.find((l) => l.message === "faultline manager started")?.http);
    await sleep(500);
    const before = await managerApiRequests(port);
    const name = `scale-${targets}-${parallelism ?? "default"}`;
    const callsBefore = calls;
    const t0 = performance.now();
    await custom.createNamespacedCustomObject({
      ...group,
      namespace,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { name, annotations: { "faultline.chaos-mesh.org/blast-radius-override": "true" } }, spec: { selector: { namespaces: [namespace], labelSelectors: { app: "sim" } }, mode: "all" } },
    });
    let largest = 0;
    for (;;) {
      const obj = await custom.getNamespacedCustomObject({ ...group, namespace, name });
      largest = Math.max(largest, JSON.stringify(obj.status ?? {}).length);
      if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
      if (performance.now() - t0 > 600_000) throw new Error(`${name}: not AllInjected after 10 minutes`);
      await sleep(50);
    }
    const injectedS = (performance.now() - t0) / 1000;
    const apiPerRecord = ((await managerApiRequests(port)) - before) / targets;
    // records in the status, or (past 1,000) in RecordShards with counts per phase in the status
    const experiment = (await custom.getNamespacedCustomObject({ ...group, namespace, name })).status.experiment;
    const count = recordCountOf(experiment);
    if (count !== targets) throw new Error(`expected ${targets} records, got ${count}`);
    const shards = experiment.recordShards ?? 0;
    if (calls - callsBefore !== targets) throw new Error(`expected ${targets} daemon calls, got ${calls - callsBefore}`);
    const t1 = performance.now();
    await custom.deleteNamespacedCustomObject({ ...group, namespace, name });
    await untilDeleted(custom, { ...group, namespace, name }, 50);
    const goneS = (performance.now() - t1) / 1000;
    return { injectedS, goneS, apiPerRecord, largest, shards };
  } finally {
    await manager.stop();
  }
}

const lines = [];
try {
  for (const targets of sizes) {
    await withSimulatedPods(cluster.kubeConfig, core, node, `bench-scale-${targets}`, targets, {}, async (namespace) => {
      const serial = await run(namespace, targets, 1);
      const parallel = await run(namespace, targets, undefined);
      const row = (label, r) =>
        `  ${label.padEnd(24)} create → AllInjected ${r.injectedS.toFixed(2).padStart(7)} s   delete → gone ${r.goneS.toFixed(2).padStart(7)} s   ${r.apiPerRecord.toFixed(3)} API calls/record   largest status ${(r.largest / 1024).toFixed(1)} KiB${r.shards ? ` (records in ${r.shards} RecordShards)` : ""}`;
      lines.push(`HelloWorldChaos over ${targets} simulated pods (default client limits, qps 30 / burst 50):`);
      lines.push(row("--parallelism 1:", serial), row("--parallelism (default):", parallel));
      lines.push(`  ratio create → AllInjected (1 / default): ${(serial.injectedS / parallel.injectedS).toFixed(2)}`);
      process.stdout.write(lines.slice(-4).join("\n") + "\n");
    });
  }
} finally {
  await daemon.close();
  await core.deleteNode({ name: node }).catch(() => undefined);
}
process.stdout.write(`\n${lines.join("\n")}\n`);
process.exit(0);
