// Benchmark: PodChaos container-kill through the chart-installed manager and daemon, on real pods
// run by the local cluster's kubelet.
//   node tools/bench/container-kill-chart.mjs [--pods 100] [--runs 5] [--keep-release] [--no-floor]
// Each run: `pods` fresh busybox pods, all Running; a PodChaos container-kill (mode all) created,
// timed to its AllInjected condition (seen by a watch); then the floor, in the same run: once the
// kubelet has restarted the containers, their init processes found with one `ctr task ls` and
// killed by this process (`kill -9`, all at once), timed until /proc shows every one of them dead.
// Prints each run, the medians, their ratio, the Kubernetes API calls per record and the manager's
// and daemons' CPU seconds (their own /metrics), and the per-stage profile of the kills from the
// manager's and the daemons' log lines (median and p95 over every kill of every run).
// Needs the full local cluster up and the images imported (container-kill-chart.sh does both).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { CoreV1Api, CustomObjectsApi, KubeConfig, Watch } from "@kubernetes/client-node";
import { readmeHelmInstall } from "../chart-test/e2e-support.mjs";

const { values: args } = parseArgs({
  options: {
    pods: { type: "string", default: "100" },
    runs: { type: "string", default: "5" },
    "keep-release": { type: "boolean", default: false },
    "no-floor": { type: "boolean", default: false },
  },
});
const podCount = Number(args.pods);
const runs = Number(args.runs);
const repo = new URL("../../", import.meta.url).pathname;
// every node's containerd: the single node's, or each node's of a --nodes N cluster
const containerdSockets = [`${repo}.cluster/runtime/containerd.sock`, ...readdirSafe(`${repo}.cluster/nodes`).map((n) => `${repo}.cluster/nodes/${n}/runtime/containerd.sock`)].filter(existsSync);
function readdirSafe(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
const ns = "bench-container-kill";
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const kc = new KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const kubectl = (...a) => execFileSync("kubectl", a, { encoding: "utf8", maxBuffer: 256 << 20 });
const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const log = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ------------------------------------------------------------------ the release
const { installArgs, release, namespace: releaseNs } = readmeHelmInstall(repo);
const releasePods = (component) =>
  JSON.parse(kubectl("-n", releaseNs, "get", "pods", "-l", `app.kubernetes.io/instance=${release},app.kubernetes.io/component=${component}`, "-o", "json")).items;
log(`installing the chart: ${installArgs.join(" ")}`);
execFileSync("helm", ["uninstall", release, "-n", releaseNs, "--ignore-not-found", "--wait", "--timeout", "120s"], { stdio: "ignore" });
execFileSync("helm", [...installArgs, "--wait", "--timeout", "240s"], { stdio: "ignore" });
const [managerPod] = releasePods("manager");
const daemonPods = releasePods("daemon");
const metricsPort = Number(managerPod.spec.containers[0].ports.find((p) => p.name === "http")?.containerPort ?? 10080);
const daemonMetricsPort = Number(daemonPods[0].spec.containers[0].ports.find((p) => p.name === "http")?.containerPort ?? 31766);
const metricsOf = (pod, port) => kubectl("get", "--raw", `/api/v1/namespaces/${releaseNs}/pods/${pod.metadata.name}:${port}/proxy/metrics`);
const sumOf = (text, name) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, "gm"))].reduce((s, m) => s + Number(m[1]), 0);
const readMeters = () => {
  const manager = metricsOf(managerPod, metricsPort);
  return {
    apiCalls: sumOf(manager, "rest_client_requests_total"),
    managerCpu: sumOf(manager, "process_cpu_seconds_total"),
    daemonCpu: daemonPods.reduce((s, p) => s + sumOf(metricsOf(p, daemonMetricsPort), "process_cpu_seconds_total"), 0),
  };
};

// ------------------------------------------------------------------ pods
async function ensureNamespace() {
  for (;;) {
    const existing = await core.readNamespace({ name: ns }).catch(() => undefined);
    if (!existing) break;
    if (!existing.metadata.deletionTimestamp) return;
    await sleep(500);
  }
  await core.createNamespace({ body: { metadata: { name: ns } } });
}

const podBody = (name, batch) => ({
  metadata: { name, labels: { batch } },
  spec: {
    terminationGracePeriodSeconds: 0,
    enableServiceLinks: false,
    automountServiceAccountToken: false,
    containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "86400"] }],
  },
});

async function inBatches(items, width, fn) {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

const listBatch = async (batch) => (await core.listNamespacedPod({ namespace: ns, labelSelector: `batch=${batch}` })).items;
const running = (p) => p.status?.containerStatuses?.[0]?.state?.running && p.status.containerStatuses[0].containerID;

/**
 * Starts the batch's pods 100 at a time, each hundred running before the next is created: 1,000
 * pods created at once on 2 cores had the kubelets' runtime calls time out (context deadline
 * exceeded) faster than they started.
 */
async function startPods(batch) {
  const names = Array.from({ length: podCount }, (_, i) => `${batch}-${i}`);
  const deadline = Date.now() + Math.max(600, 2 * podCount) * 1000;
  for (let from = 0; from < podCount; from += 100) {
    await inBatches(names.slice(from, from + 100), 20, (name) => core.createNamespacedPod({ namespace: ns, body: podBody(name, batch) }));
    const want = Math.min(podCount, from + 100);
    for (;;) {
      const up = (await listBatch(batch)).filter(running).length;
      if (up >= want) break;
      if (Date.now() > deadline) throw new Error(`only ${up}/${want} pods of ${batch} running in time`);
      await sleep(1000);
    }
    if (podCount > 100) log(`  ${want}/${podCount} running`);
  }
  return listBatch(batch);
}

async function removePods(batch) {
  await core.deleteCollectionNamespacedPod({ namespace: ns, labelSelector: `batch=${batch}`, gracePeriodSeconds: 0 });
  while ((await listBatch(batch)).length > 0) await sleep(2000);
}

// ------------------------------------------------------------------ the timed parts
async function timeToAllInjected(name, batch) {
  let resolveDone;
  const done = new Promise((r) => (resolveDone = r));
  const watch = await new Watch(kc).watch(
    `/apis/chaos-mesh.org/v1alpha1/namespaces/${ns}/podchaos`,
    { fieldSelector: `metadata.name=${name}` },
    (_type, obj) => {
      if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) resolveDone(performance.now());
    },
    () => {},
  );
  await sleep(200); // the watch is open
  const t0 = performance.now();
  const createdAt = Date.now();
  await custom.createNamespacedCustomObject({
    ...group,
    namespace: ns,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name },
      spec: { action: "container-kill", mode: "all", containerNames: ["busybox"], selector: { namespaces: [ns], labelSelectors: { batch } } } },
  });
  const limitS = Math.max(120, podCount / 2);
  const t1 = await Promise.race([done, sleep(limitS * 1000).then(() => { throw new Error(`${name}: no AllInjected within ${limitS} s`); })]);
  watch.abort();
  const obj = await custom.getNamespacedCustomObject({ ...group, namespace: ns, name });
  const records = obj.status?.experiment?.containerRecords ?? [];
  const injected = records.filter((r) => r.phase === "Injected").length;
  if (records.length !== podCount || injected !== podCount) throw new Error(`${name}: ${injected} of ${records.length} records Injected, expected ${podCount}`);
  return { seconds: (t1 - t0) / 1000, createdAt, doneAt: createdAt + (t1 - t0) };
}

/** Task id → pid of every running task, from one `ctr task ls` per node. */
function taskPids() {
  const pids = new Map();
  for (const socket of containerdSockets) {
    const out = execFileSync("ctr", ["--address", socket, "-n", "k8s.io", "task", "ls"], { encoding: "utf8" });
    for (const line of out.split("\n").slice(1)) {
      const [id, pid, status] = line.trim().split(/\s+/);
      if (id && status === "RUNNING") pids.set(id, Number(pid));
    }
  }
  return pids;
}

const processAlive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat[stat.lastIndexOf(")") + 2];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
};

/** Waits for every pod of the batch to run a restarted container; kills their init processes at once. */
async function bareKill(batch) {
  const limitS = Math.max(300, podCount);
  const deadline = Date.now() + limitS * 1000;
  let pods;
  for (;;) {
    pods = await listBatch(batch);
    if (pods.every((p) => running(p) && p.status.containerStatuses[0].restartCount >= 1)) break;
    if (Date.now() > deadline) throw new Error(`${batch}: containers not all restarted within ${limitS} s`);
    await sleep(1000);
  }
  await sleep(2000);
  const tasks = taskPids();
  const pids = pods.map((p) => tasks.get(p.status.containerStatuses[0].containerID.replace(/^containerd:\/\//, "")));
  if (pids.some((pid) => pid === undefined)) throw new Error(`${batch}: not every container has a running task`);
  const t0 = performance.now();
  for (const pid of pids) process.kill(pid, "SIGKILL");
  while (pids.some(processAlive)) await sleep(1);
  return (performance.now() - t0) / 1000;
}

// ------------------------------------------------------------------ the profile, from log lines
const jsonLines = (text) => text.split("\n").filter((l) => l.startsWith("{")).map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).filter(Boolean);

// ------------------------------------------------------------------ main
const results = [];
const startedAt = new Date().toISOString();
try {
  await ensureNamespace();
  for (let run = 1; run <= runs; run++) {
    const batch = `r${run}-${Date.now().toString(36)}`;
    log(`run ${run}/${runs}: starting ${podCount} pods (${batch})`);
    await startPods(batch);
    await sleep(3000); // the kubelet's start-up work settles
    const before = readMeters();
    const { seconds, createdAt, doneAt } = await timeToAllInjected(`kill-${batch}`, batch);
    const after = readMeters();
    let floor = NaN;
    if (args["no-floor"]) log(`run ${run}: create → AllInjected ${seconds.toFixed(3)} s`);
    else {
      log(`run ${run}: create → AllInjected ${seconds.toFixed(3)} s; waiting for the restarts, then the floor`);
      floor = await bareKill(batch);
      log(`run ${run}: bare kill -9 of the same ${podCount} containers ${floor.toFixed(3)} s`);
    }
    results.push({
      name: `kill-${batch}`,
      createdAt,
      doneAt,
      seconds,
      floor,
      callsPerRecord: (after.apiCalls - before.apiCalls) / podCount,
      managerCpu: after.managerCpu - before.managerCpu,
      daemonCpu: after.daemonCpu - before.daemonCpu,
    });
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns, name: `kill-${batch}` });
    log(`run ${run}: removing the pods`);
    await removePods(batch);
  }

  // the profile: the manager's and the daemons' log lines of these runs
  const managerLines = jsonLines(kubectl("-n", releaseNs, "logs", managerPod.metadata.name, `--since-time=${startedAt}`));
  const daemonLines = daemonPods.flatMap((p) => jsonLines(kubectl("-n", releaseNs, "logs", p.metadata.name, `--since-time=${startedAt}`)));
  const stages = {};
  const add = (stage, ms) => (stages[stage] ??= []).push(ms);
  for (const r of results) {
    const chaos = `${ns}/${r.name}`;
    const mine = managerLines.filter((l) => l.chaos === chaos);
    const at = (l) => Date.parse(l.timestamp);
    const applies = mine.filter((l) => l.message === "Apply pod chaos: container-kill").map(at);
    const killed = mine.filter((l) => l.message === "container killed");
    if (applies.length === 0 || killed.length === 0) continue;
    add("create → first apply (watch, select, records written)", Math.min(...applies) - r.createdAt);
    add("first apply → last kill answered (the wave)", Math.max(...killed.map(at)) - Math.min(...applies));
    add("last kill answered → AllInjected seen (status written, watch)", r.doneAt - Math.max(...killed.map(at)));
    for (const l of killed) {
      add("per kill: decode (pod cache, daemon client)", l.decodeMs);
      add("per kill: queued + ContainerKillMany round trip", l.killMs);
    }
    for (const l of daemonLines.filter((d) => d.namespacedName === chaos && d.message === "ContainerKillMany: done")) {
      add("per call (daemon): lookup of every init process", l.lookupMs);
      add("per call (daemon): SIGKILL to all", l.signalMs);
      add("per call (daemon): until all dead", l.deathMs);
      add("per call (daemon): handler total", l.handlerMs);
    }
    for (const l of daemonLines.filter((d) => d.namespacedName === chaos && d.message === "ContainerKill: container killed")) {
      add("per call (daemon, ContainerKill): lookup", l.lookupMs);
      add("per call (daemon, ContainerKill): until dead", l.deathMs);
    }
  }

  console.log(`PodChaos container-kill of ${podCount} containers on ${daemonPods.length} node(s) through the chart-installed manager and daemon (default settings), ${runs} runs:`);
  results.forEach((r, i) =>
    console.log(`  run ${i + 1}: create → AllInjected ${r.seconds.toFixed(3)} s · ${Number.isNaN(r.floor) ? "" : `bare kill -9 ${(r.floor * 1000).toFixed(1)} ms · `}${r.callsPerRecord.toFixed(2)} API calls/record · CPU manager ${r.managerCpu.toFixed(2)} s, daemon ${r.daemonCpu.toFixed(2)} s`),
  );
  const m = median(results.map((r) => r.seconds));
  const f = median(results.map((r) => r.floor));
  console.log(`median create → AllInjected: ${m.toFixed(3)} s`);
  if (!args["no-floor"]) {
    console.log(`median floor (bare kill -9 of the same containers, until all dead): ${(f * 1000).toFixed(1)} ms`);
    console.log(`ratio to the floor: ${(m / f).toFixed(1)}×`);
  }
  console.log(`stages over the ${runs} runs (median / p95 ms, count):`);
  for (const [stage, xs] of Object.entries(stages)) console.log(`  ${stage.padEnd(64)} ${median(xs).toFixed(1).padStart(8)} / ${quantile(xs, 0.95).toFixed(1).padStart(8)}  (${xs.length})`);
} finally {
  // the experiments first, while the manager runs to release their finalizers; then the pods
  const chaosLeft = async () => ((await custom.listNamespacedCustomObject({ ...group, namespace: ns }).catch(() => ({ items: [] }))).items ?? []).length;
  await custom.deleteCollectionNamespacedCustomObject({ ...group, namespace: ns }).catch(() => {});
  for (let i = 0; i < Math.max(120, podCount) && (await chaosLeft()) > 0; i++) await sleep(1000);
  await core.deleteNamespace({ name: ns }).catch(() => {});
  if (!args["keep-release"]) execFileSync("helm", ["uninstall", release, "-n", releaseNs, "--ignore-not-found", "--wait", "--timeout", "120s"], { stdio: "ignore" });
}
