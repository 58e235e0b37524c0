// Benchmark: the kill switch — time from engaging killswitch/cluster to every record recovered.
//   node tools/bench/kill-switch.mjs [targets…=100 1000]
// For each size: `targets` pod objects (Running, one container, on one simulated node; no
// container behind them) and a PodChaos pod-failure over all of them (duration 1h; its recovery is
// a real API write per record: the pod's images patched back). Once AllInjected, the KillSwitch
// `cluster` is created engaged (as `faultline stop --all` does) and the clock runs until its status
// says AllRecovered (the manager's own count of records still injected, from its caches, is 0);
// then the experiment's records and the pods' images are checked, the switch is deleted and the
// experiment removed. Printed: engage → all recovered as seen by a client polling every 50 ms, and
// the manager's own engagedAt → recoveredAt, at the manager's defaults (qps 30 / burst 50, raised to
// the kill switch's own --kill-switch-qps 300 / --kill-switch-burst 600 while it recovers) and, to
// compare, without that budget (--kill-switch-qps 30 --kill-switch-burst 50: the normal limit
// throughout; what bounds it then: one pod patch and one status write per record at 30/s).
// Real parts: the local cluster's API server, the built manager as a process (no daemon is called
// by pod-failure; the manager is given an unused socket). The switch is cluster-wide: run it alone
// (under the cluster lock), it is deleted whatever happens.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { applyChaosCrds, localCluster, startAppProcess } from "@faultline/test-ground";
import { ensureSimulatedNode, recordCountOf, untilDeleted, withSimulatedPods } from "./simulated-api-pods.mjs";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
if (sizes.length === 0) sizes.push(100, 1000);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const podchaos = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const ks = { group: "faultline.chaos-mesh.org", version: "v1alpha1", plural: "killswitches" };
const node = "faultline-bench-node";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const limits = [
  { label: "defaults (kill switch 300/600)", args: [] },
  { label: "no kill-switch budget (30/50)", args: ["--kill-switch-qps", "30", "--kill-switch-burst", "50"] },
];

const cluster = await localCluster("api-only");
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
const custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(cluster.kubeConfig);
await ensureSimulatedNode(core, node, "kill-switch");
const socket = join(mkdtempSync(join(tmpdir(), "faultline-bench-ks-")), "daemon.sock");
const deleteSwitch = () => custom.deleteClusterCustomObject({ ...ks, name: "cluster" }).catch((e) => (e.code === 404 ? undefined : Promise.reject(e)));

async function until(what, probe, timeoutMs = 600_000, pollMs = 50) {
  const t0 = performance.now();
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (performance.now() - t0 > timeoutMs) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await sleep(pollMs);
  }
}

async function run(namespace, targets, limit) {
  await deleteSwitch();
  const args = ["--kubeconfig", cluster.kubeconfigPath, "--namespace", namespace, "--daemon-address", `unix:${socket}`,
    "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false", ...limit.args,
    // no PodDisruptionBudget check before each apply (none exists here): the set-up is quicker, the
    // recovery measured is the same (a recovery never waits on a budget)
    "--kind-setting", "PodChaos.podDisruptionBudget=Ignore"];
  const manager = await startAppProcess(managerMain, args, (l) => l.message === "leading: watching chaos kinds");
  const name = `ks-${targets}-${limit.args.length ? "fast" : "default"}`;
  try {
    await custom.createNamespacedCustomObject({
      ...podchaos,
      namespace,
      body: {
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "PodChaos",
        metadata: { name, annotations: { "faultline.chaos-mesh.org/blast-radius-override": "true" } },
        spec: { action: "pod-failure", mode: "all", duration: "1h", selector: { namespaces: [namespace], labelSelectors: { app: "sim" } } },
      },
    });
    const tInject = performance.now();
    await until(`${name} AllInjected`, async () => {
      const obj = await custom.getNamespacedCustomObject({ ...podchaos, namespace, name });
      return obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True");
    });
    const injectS = (performance.now() - tInject) / 1000;

    const t0 = performance.now();
    await custom.createClusterCustomObject({
      ...ks,
      body: { apiVersion: "faultline.chaos-mesh.org/v1alpha1", kind: "KillSwitch", metadata: { name: "cluster" }, spec: { engaged: true, reason: "bench", engagedBy: "bench:kill-switch" } },
    });
    const recovered = await until("the kill switch's AllRecovered", async () => {
      const obj = await custom.getClusterCustomObject({ ...ks, name: "cluster" });
      const done = obj.status?.conditions?.some((c) => c.type === "AllRecovered" && c.status === "True") && obj.status.observedGeneration === obj.metadata.generation;
      return done ? obj : undefined;
    });
    const clientS = (performance.now() - t0) / 1000;
    const managerS = (Date.parse(recovered.status.recoveredAt) - Date.parse(recovered.status.engagedAt)) / 1000;

    // what the status claims, checked: every record Not Injected, every pod's image back
    const experiment = (await custom.getNamespacedCustomObject({ ...podchaos, namespace, name })).status.experiment;
    const notInjected = experiment.containerRecords ? experiment.containerRecords.filter((r) => r.phase === "Not Injected").length : (experiment.recordCounts?.["Not Injected"] ?? 0);
    if (recordCountOf(experiment) !== targets || notInjected !== targets) throw new Error(`${name}: ${notInjected} of ${recordCountOf(experiment)} records Not Injected, expected ${targets}`);
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: "app=sim" })).items;
    const failed = pods.filter((p) => p.spec.containers.some((c) => c.image !== "busybox"));
    if (failed.length > 0) throw new Error(`${name}: ${failed.length} pod(s) still run another image, e.g. ${failed[0].metadata.name}`);

    await deleteSwitch();
    await custom.deleteNamespacedCustomObject({ ...podchaos, namespace, name });
    await untilDeleted(custom, { ...podchaos, namespace, name }, 100);
    return { injectS, clientS, managerS };
  } finally {
    await deleteSwitch();
    await manager.stop();
  }
}

const lines = [];
try {
  for (const targets of sizes) {
    await withSimulatedPods(cluster.kubeConfig, core, node, `bench-ks-${targets}`, targets, {}, async (namespace) => {
      lines.push(`PodChaos pod-failure over ${targets} simulated pods, all Injected, then killswitch/cluster engaged:`);
      for (const limit of limits) {
        const r = await run(namespace, targets, limit);
        lines.push(
          `  ${limit.label.padEnd(31)} engage → all recovered ${r.clientS.toFixed(2).padStart(7)} s (client)  ${r.managerS.toFixed(2).padStart(7)} s (manager: engagedAt → recoveredAt)   [inject took ${r.injectS.toFixed(2)} s]`,
        );
        process.stdout.write(lines.at(-1) + "\n");
      }
    });
  }
} finally {
  await deleteSwitch();
  await core.deleteNode({ name: node }).catch(() => undefined);
}
process.stdout.write(`\n${lines.join("\n")}\n`);
process.exit(0);
