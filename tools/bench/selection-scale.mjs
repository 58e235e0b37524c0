// Benchmark: selection among many pods, and the manager's memory while it watches them.
//   node tools/bench/selection-scale.mjs [pods=5000] [selections=50] [idleSeconds=180]
// 1. `pods` pods created as objects on the api-only cluster (no kubelet), spread over 10 namespaces
//    and 5 node names (5 Node objects, zone-labelled), with varied labels, two containers each
//    (env, resources, probes, a volume: the size of an ordinary pod) and a status.phase written
//    through the status subresource. Then `selections` selections (selectPods, the manager's path)
//    per query: label equality, set expressions, field selectors, phases, nodes, node selectors,
//    everything; through createCachedPodSource over a ResilientWatch of every pod (slimPod) and
//    through createKubernetesPodSource (the API server per selection). Both must choose the same
//    pods. Medians, maxima and the ratio API / cached.
//    Also: what returning copies would cost instead of frozen pods (structuredClone of the largest
//    selection's pods, against the selection itself; slimPod froze the pods as the watch stored them).
// 2. The built manager (apps/manager/dist/main.js) as a process, with the chart's NODE_OPTIONS and
//    MALLOC_ARENA_MAX (charts/faultline/values.yaml): its RSS (/proc/<pid>/status VmRSS, and its
//    anonymous and file-backed parts) leading with no pod, then with the `pods` pods once its
//    watches synced and after `idleSeconds` idle.
// Real parts: the local cluster's etcd and kube-apiserver (api-only).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { ResilientWatch, SharedConnectionKubeConfig } from "@faultline/controller";
import { createCachedPodSource, createKubernetesPodSource, selectPods, slimPod } from "@faultline/selector";
import { CoreV1Api } from "@kubernetes/client-node";
import { applyChaosCrds, createTestNamespace, localCluster, startAppProcess } from "@faultline/test-ground";

const podCount = Number(process.argv[2] ?? 5000);
const selections = Number(process.argv[3] ?? 50);
const idleSeconds = Number(process.argv[4] ?? 180);
const managerMain = fileURLToPath(new URL("../../apps/manager/dist/main.js", import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (kib) => (kib / 1024).toFixed(1);
const run = Math.random().toString(36).slice(2, 8);
const repo = fileURLToPath(new URL("../../", import.meta.url));
const chartManager = parse(readFileSync(join(repo, "charts/faultline/values.yaml"), "utf8")).manager;
// the manager processes below inherit these, as the chart's pod sets them
if (chartManager.nodeOptions) process.env.NODE_OPTIONS = chartManager.nodeOptions;
if (chartManager.mallocArenaMax != null) process.env.MALLOC_ARENA_MAX = String(chartManager.mallocArenaMax);

/** VmRSS, RssAnon and RssFile of a process, in KiB. */
const memory = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)[1]);
  return { rss: field("VmRSS"), anon: field("RssAnon"), file: field("RssFile") };
};
const rssKiB = (pid) => memory(pid).rss;
/** The manager's JS heap in use, in MiB, from its /metrics. */
const heapUsedMiB = async (manager) => {
  const port = manager.lines.find((l) => l.message === "faultline manager started").http;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)[1]) / 2 ** 20;
};

/** Runs `task(i)` for i in [0, count) with `width` at a time; a dot on stderr every 500. */
async function inParallel(count, width, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < count; i = next++) {
        await task(i);
        if (i % 500 === 499) process.stderr.write(".");
      }
    }),
  );
}

const cluster = await localCluster("api-only");
const kubeConfig = SharedConnectionKubeConfig.from(cluster.kubeConfig); // one TLS connection pool, as the manager
const core = kubeConfig.makeApiClient(CoreV1Api);
await applyChaosCrds(cluster.kubeConfig);
const namespaces = [];
const nodeNames = Array.from({ length: 5 }, (_, i) => `bench-sel-${run}-node-${i}`);
let manager;
let watch;

const managerArgs = (ns) => ["--kubeconfig", cluster.kubeconfigPath, "--namespace", ns, "--daemon-address", "unix:/nonexistent/daemon.sock",
  "--http-host", "127.0.0.1", "--http-port", "0", "--leader-elect", "false"];

try {
  for (let i = 0; i < 10; i++) namespaces.push(await createTestNamespace(cluster.kubeConfig, `bench-sel-${i}`));
  for (const [i, name] of nodeNames.entries()) await core.createNode({ body: { metadata: { name, labels: { zone: `z${i % 2}`, "bench.faultline.test/run": run } } } });

  // 2a. the manager leading with no pod of this benchmark yet: its baseline
  manager = await startAppProcess(managerMain, managerArgs(namespaces[0].name), (l) => l.message === "leading: watching chaos kinds", 60_000);
  await sleep(2000);
  const baseline = memory(manager.process.pid);
  const baselineKiB = baseline.rss;
  const baselineHeap = await heapUsedMiB(manager);
  await manager.stop();
  manager = undefined;

  // 1. the pods
  const phases = ["Running", "Running", "Running", "Running", "Running", "Running", "Running", "Pending", "Succeeded", "Failed"];
  const tiers = ["web", "db", "cache", "batch"];
  process.stderr.write(`creating ${podCount} pods `);
  const t0 = performance.now();
  await inParallel(podCount, 16, async (i) => {
    const namespace = namespaces[i % 10].name;
    const name = `pod-${i}`;
    const container = (cname, port) => ({
      name: cname,
      image: `registry.example/${cname}:1.${i % 7}`,
      args: ["--port", String(port), "--log-level", "info"],
      env: [{ name: "POD_INDEX", value: String(i) }, { name: "TIER", value: tiers[i % 4] }, { name: "FEATURE_FLAGS", value: "a,b,c" }],
      ports: [{ containerPort: port, name: "http" }],
      resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { memory: "128Mi" } },
      readinessProbe: { httpGet: { path: "/ready", port }, periodSeconds: 5 },
      volumeMounts: [{ name: "data", mountPath: "/data" }],
    });
    const created = await core.createNamespacedPod({
      namespace,
      body: {
        metadata: {
          name,
          labels: { app: `app-${i % 20}`, tier: tiers[i % 4], ...(i % 10 === 0 && { canary: "true" }), "pod-template-hash": `h${i % 50}` },
          annotations: { "bench.faultline.test/owner": `team-${i % 8}` },
        },
        spec: {
          nodeName: nodeNames[i % 5],
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 0,
          containers: [container("app", 8080), container("sidecar", 9090)],
          volumes: [{ name: "data", emptyDir: {} }],
        },
      },
    });
    const ip = `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;
    created.status = {
      phase: phases[i % 10],
      podIP: ip,
      podIPs: [{ ip }],
      hostIP: "192.0.2.1",
      containerStatuses: ["app", "sidecar"].map((cname, c) => ({
        name: cname, image: `registry.example/${cname}:1.${i % 7}`, imageID: "", ready: phases[i % 10] === "Running", restartCount: 0,
        containerID: `containerd://${(i * 2 + c).toString(16).padStart(64, "0")}`,
      })),
    };
    await core.replaceNamespacedPodStatus({ namespace, name, body: created });
  });
  process.stderr.write(` ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  // 1. selection through either source
  const api = createKubernetesPodSource(core);
  watch = new ResilientWatch({ kubeConfig, group: "", version: "v1", plural: "pods", transform: slimPod, resyncPeriodMs: 0, handler: () => undefined });
  const w0 = performance.now();
  await watch.start();
  const watchSyncMs = performance.now() - w0;
  const cached = createCachedPodSource(watch, api);
  const all = namespaces.map((n) => n.name);
  const queries = [
    ["everything (10 namespaces)", { namespaces: all }],
    ["label equality (app=app-3, one namespace)", { namespaces: [all[3]], labelSelectors: { app: "app-3" } }],
    ["set expressions (tier in (web,db), !canary)", { namespaces: all, expressionSelectors: [{ key: "tier", operator: "In", values: ["web", "db"] }, { key: "canary", operator: "DoesNotExist" }] }],
    ["field selectors (phase Running, one node)", { namespaces: all, fieldSelectors: { "status.phase": "Running", "spec.nodeName": nodeNames[2] } }],
    ["phases (Pending or Failed)", { namespaces: all, podPhaseSelectors: ["Pending", "Failed"] }],
    ["nodes (two of five)", { namespaces: all, nodes: [nodeNames[1], nodeNames[3]] }],
    ["node selectors (zone=z1)", { namespaces: all, nodeSelectors: { zone: "z1" } }],
  ];
  const key = (pods) => pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(",");
  const results = [];
  let copy;
  for (const [label, selector] of queries) {
    const time = async (source) => {
      const ms = [];
      let last;
      for (let i = 0; i < selections; i++) {
        const t = performance.now();
        last = await selectPods(source, selector, { defaultNamespace: all[0] });
        ms.push(performance.now() - t);
      }
      return { ms, last };
    };
    const viaCache = await time(cached);
    const viaApi = await time(api);
    if (key(viaCache.last) !== key(viaApi.last)) throw new Error(`${label}: the cached source chose other pods than the API source`);
    results.push({ label, count: viaCache.last.length, cache: viaCache.ms, api: viaApi.ms });
    if (selector.namespaces === all && Object.keys(selector).length === 1) {
      // what copies instead of frozen pods would cost: cloning this selection's pods, each time
      const clones = [];
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        structuredClone(viaCache.last);
        clones.push(performance.now() - t);
      }
      copy = { pods: viaCache.last.length, cloneMs: median(clones), firstMs: viaCache.ms[0], steadyMs: median(viaCache.ms.slice(1)) };
    }
  }
  await watch.stop();
  watch = undefined;

  // 2b. the manager watching them
  manager = await startAppProcess(managerMain, managerArgs(all[0]), (l) => l.message === "leading: watching chaos kinds", 120_000);
  await sleep(2000);
  const synced = memory(manager.process.pid);
  const syncedKiB = synced.rss;
  const syncedHeap = await heapUsedMiB(manager);
  process.stderr.write(`manager idle for ${idleSeconds} s `);
  const samples = [];
  for (let s = 0; s < idleSeconds; s += 10) {
    await sleep(10_000);
    samples.push(rssKiB(manager.process.pid));
    process.stderr.write(".");
  }
  process.stderr.write("\n");
  const idle = memory(manager.process.pid);
  const idleKiB = idle.rss;
  const idleHeap = await heapUsedMiB(manager);

  console.log(`selection among ${podCount} pods (10 namespaces, 5 nodes), selectPods, ${selections} selections each:`);
  console.log(`  the pod watch's first list (ResilientWatch, slimPod): ${watchSyncMs.toFixed(0)} ms`);
  console.log(`  ${"query".padEnd(46)} ${"pods".padStart(5)}  ${"cached median / max".padStart(21)}  ${"API median / max".padStart(21)}  API / cached`);
  for (const r of results) {
    const c = `${median(r.cache).toFixed(2)} / ${Math.max(...r.cache).toFixed(2)} ms`;
    const a = `${median(r.api).toFixed(1)} / ${Math.max(...r.api).toFixed(1)} ms`;
    console.log(`  ${r.label.padEnd(46)} ${String(r.count).padStart(5)}  ${c.padStart(21)}  ${a.padStart(21)}  ${(median(r.api) / median(r.cache)).toFixed(1)}`);
  }
  console.log(`  worst cached selection: ${Math.max(...results.flatMap((r) => r.cache)).toFixed(1)} ms (target: at most 300 ms)`);
  if (copy) {
    console.log(`frozen pods or copies (the ${copy.pods} pods of "everything"):`);
    console.log(`  cached selection (pods frozen by slimPod as stored): first ${copy.firstMs.toFixed(1)} ms (warm-up), median of the others ${copy.steadyMs.toFixed(1)} ms`);
    console.log(`  structuredClone of the selection, as copies would add to every one: ${copy.cloneMs.toFixed(1)} ms (${(copy.cloneMs / copy.steadyMs).toFixed(1)}× a frozen selection)`);
  }
  const line = (label, m, heap) =>
    console.log(`  ${label.padEnd(40)} ${mib(m.rss).padStart(6)} MiB  (anonymous ${mib(m.anon)}, file-backed ${mib(m.file)}; JS heap used ${heap.toFixed(1)} MiB)`);
  console.log(`manager RSS (VmRSS), NODE_OPTIONS ${JSON.stringify(process.env.NODE_OPTIONS ?? "")}, MALLOC_ARENA_MAX ${process.env.MALLOC_ARENA_MAX ?? "-"}:`);
  line("leading, no pod of this benchmark", baseline, baselineHeap);
  line(`leading, watching ${podCount} pods, synced`, synced, syncedHeap);
  line(`after ${idleSeconds} s idle`, idle, idleHeap);
  console.log(`  max sampled while idle: ${mib(Math.max(...samples, idleKiB))} MiB (target under 150 MiB)`);
  console.log(`  ratio (watching ${podCount} pods, idle / no pod): ${(idleKiB / baselineKiB).toFixed(2)}`);
} finally {
  await watch?.stop();
  await manager?.stop();
  for (const ns of namespaces) await ns.remove();
  for (const name of nodeNames) await core.deleteNode({ name }).catch(() => undefined);
}
