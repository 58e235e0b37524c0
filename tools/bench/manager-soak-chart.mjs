// Soak benchmark in the chart's pod (issue 15): charts/faultline installed into the local full
// cluster with the locally built images, and N create → every record Injected → delete → gone cycles
// (default 100) of a HelloWorldChaos over a 20-replica busybox Deployment, the manager running in its
// Deployment's pod under the chart's resources (the kubelet's memory cgroup, limit from values.yaml).
// Every 10 cycles, and once more after an idle minute at the end (steady state watching 20 pods):
//   - rss: the manager's VmRSS (/proc/<pid>/status of the container's process, as the host sees it)
//     and its anonymous part (RssAnon: what is the manager's own, not the node binary's mapped pages)
//   - cgroup: the container's memory cgroup usage (what the limit is enforced on), its rss and cache,
//     and its peak (max_usage)
//   - heap: nodejs_heap_size_used/total_bytes and nodejs_external_memory_bytes from the pod's /metrics
//   - restarts: the manager container's restart count (an OOM kill shows here and as lastState)
//
//   node tools/bench/manager-soak-chart.mjs [cycles=100] [helm flags …]     (run it through
//   `npm run bench:soak -- --chart [cycles] [helm flags …]`, which builds and imports the images)
//
// e.g. `--set manager.resources.limits.memory=256Mi` to soak under another limit. Needs root (the
// host's /proc and cgroup files of the pod) and `tools/local-cluster/local-cluster up` (full mode:
// kubelet, kube-proxy). Uses FAULTLINE_CLUSTER_DIR (default <repo>/.cluster). Every namespace it
// creates has a random suffix; the release and the namespaces are removed at the end unless
// KEEP_SOAK_RELEASE=1.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { mib, metricValue, runSoakCycles } from "./manager-soak-cycles.mjs";

const args = process.argv.slice(2);
const cycles = /^\d+$/.test(args[0] ?? "") ? Number(args.shift()) : 100;
const helmFlags = args;
const targets = 20;
const repo = fileURLToPath(new URL("../../", import.meta.url));
const chart = join(repo, "charts/faultline");
const clusterDir = process.env.FAULTLINE_CLUSTER_DIR ?? join(repo, ".cluster");
const kubeconfigPath = process.env.KUBECONFIG ?? join(clusterDir, "admin.kubeconfig");
const containerdSocket = process.env.FAULTLINE_CONTAINERD_SOCKET ?? join(clusterDir, "runtime/containerd.sock");
const bin = process.env.FAULTLINE_K8S_BIN ?? "/var/cache/faultline/k8s-v1.34.4/bin";
const suffix = randomBytes(3).toString("hex");
const namespace = `faultline-soak-${suffix}`;
const targetNamespace = `soak-targets-${suffix}`;
const release = `soak-${suffix}`;
const env = { ...process.env, KUBECONFIG: kubeconfigPath, PATH: `${bin}:${join(repo, "node_modules/.bin")}:${process.env.PATH}` };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = (cmd, argv, input) => execFileSync(cmd, argv, { env, encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 << 20 });
const kubectl = (...argv) => run("kubectl", argv);
const json = (...argv) => JSON.parse(kubectl(...argv, "-o", "json"));

async function until(what, timeoutMs, probe) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(1000);
  }
}

const managerPod = () =>
  json("-n", namespace, "get", "pods", "-l", `app.kubernetes.io/instance=${release},app.kubernetes.io/component=manager`).items[0];

/** The host pid of the manager container's process and the memory cgroup directory the kubelet made for it. */
function managerProcess(pod) {
  const id = pod.status.containerStatuses[0].containerID.replace(/^containerd:\/\//, "");
  const info = JSON.parse(run("crictl", ["--runtime-endpoint", `unix://${containerdSocket}`, "inspect", id]));
  const pid = info.info.pid;
  const line = readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
  if (!line) throw new Error(`no memory cgroup (v1) for pid ${pid}`);
  return { pid, id, cgroup: join("/sys/fs/cgroup/memory", line.split(":")[2]) };
}

const statusField = (pid, field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const cgroupValue = (dir, file) => Number(readFileSync(join(dir, file), "utf8").trim());
const cgroupStat = (dir, key) => Number(new RegExp(`^${key} (\\d+)$`, "m").exec(readFileSync(join(dir, "memory.stat"), "utf8"))?.[1] ?? NaN);

let installed = false;
try {
  process.stderr.write(`installing ${chart} as ${release} in ${namespace} …\n`);
  run("helm", ["install", release, chart, "-n", namespace, "--create-namespace",
    "--set", `daemon.runtimeSockets.containerd=${containerdSocket}`, ...helmFlags, "--wait", "--timeout", "240s"]);
  installed = true;
  const values = JSON.parse(run("helm", ["get", "values", release, "-n", namespace, "--all", "-o", "json"]));
  kubectl("create", "namespace", targetNamespace);
  run("kubectl", ["apply", "-f", "-"], JSON.stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "busybox", namespace: targetNamespace },
    spec: {
      replicas: targets,
      selector: { matchLabels: { app: "soak" } },
      template: {
        metadata: { labels: { app: "soak" } },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "86400"],
            resources: { requests: { cpu: "1m", memory: "4Mi" } } }],
        },
      },
    },
  }));
  await until(`${targets} running busybox pods`, 300_000, () => {
    const pods = json("-n", targetNamespace, "get", "pods", "-l", "app=soak").items;
    return pods.length === targets && pods.every((p) => p.status.phase === "Running" && p.status.containerStatuses?.[0]?.ready);
  });
  const pod = await until("the manager leading", 120_000, () => {
    const p = managerPod();
    const ready = p?.status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
    return ready && kubectl("-n", namespace, "logs", p.metadata.name).includes("leading: watching chaos kinds") && p;
  });
  const { pid, cgroup } = managerProcess(pod);
  const metricsUrl = `http://${pod.status.podIP}:${values.manager.httpPort}/metrics`;
  const restarts = () => managerPod().status.containerStatuses[0].restartCount;
  const alive = async (cycle) => {
    if (restarts() > 0) {
      const last = managerPod().status.containerStatuses[0].lastState?.terminated;
      throw new Error(`the manager container restarted in cycle ${cycle}: ${last?.reason ?? "?"} (exit ${last?.exitCode ?? "?"})`);
    }
  };
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);

  const sample = async (label) => {
    // node:http, not fetch: fetch refuses the chart's port 10080 (a "bad port" in the Fetch standard)
    const text = await new Promise((resolve, reject) =>
      get(metricsUrl, (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d) => (body += d)).on("end", () => resolve(body)).on("error", reject);
      }).on("error", reject),
    );
    console.log(
      `${label.padEnd(10)} rss ${mib(statusField(pid, "VmRSS")).padStart(6)} MiB (anon ${mib(statusField(pid, "RssAnon")).padStart(5)}, ` +
        `metric ${mib(metricValue(text, "process_resident_memory_bytes")).padStart(6)})  ` +
        `cgroup ${mib(cgroupValue(cgroup, "memory.usage_in_bytes")).padStart(6)} MiB (rss ${mib(cgroupStat(cgroup, "total_rss"))}, ` +
        `cache ${mib(cgroupStat(cgroup, "total_cache"))}, peak ${mib(cgroupValue(cgroup, "memory.max_usage_in_bytes"))})  ` +
        `heap used ${mib(metricValue(text, "nodejs_heap_size_used_bytes")).padStart(5)} / total ${mib(metricValue(text, "nodejs_heap_size_total_bytes")).padStart(5)} MiB  ` +
        `external ${mib(metricValue(text, "nodejs_external_memory_bytes"))} MiB  restarts ${restarts()}`,
    );
  };
  const r = values.manager.resources;
  console.log(
    `manager soak in the chart's pod: ${cycles} cycles × ${targets} targets; manager requests ${r.requests?.memory ?? "-"} limit ${r.limits?.memory ?? "-"} ` +
      `(cgroup limit ${mib(cgroupValue(cgroup, "memory.limit_in_bytes"))} MiB); NODE_OPTIONS ${JSON.stringify(values.manager.nodeOptions ?? "")}, ` +
      `MALLOC_ARENA_MAX ${values.manager.mallocArenaMax ?? "-"}, extraEnv ${JSON.stringify(values.manager.extraEnv ?? [])}`,
  );
  const seconds = await runSoakCycles({ custom, namespace: targetNamespace, labels: { app: "soak" }, targets, cycles, sample, alive });
  console.log(`${cycles} cycles in ${seconds.toFixed(0)} s; idle 60 s for the steady state …`);
  await sleep(60_000);
  await sample("idle 60s");
  console.log(`memory.failcnt ${cgroupValue(cgroup, "memory.failcnt")}; manager restarts ${restarts()}`);
} finally {
  if (process.env.KEEP_SOAK_RELEASE !== "1") {
    try {
      kubectl("delete", "namespace", targetNamespace, "--ignore-not-found", "--wait=false");
      if (installed) run("helm", ["uninstall", release, "-n", namespace, "--wait", "--timeout", "120s"]);
      kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=false");
    } catch (error) {
      process.stderr.write(`cleanup: ${error.stderr || error.message}\n`);
    }
  }
}
