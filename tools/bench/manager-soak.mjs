// Soak benchmark (issue 15): N create → AllInjected → delete → gone cycles (default 100) of a
// HelloWorldChaos over 20 targets, with the manager in a memory-limited cgroup (v1 memory
// controller, `memory.limit_in_bytes` = the chart's manager limit, as the kubelet sets it for the
// chart's pod) and the chart's NODE_OPTIONS and MALLOC_ARENA_MAX (all read from
// charts/faultline/values.yaml). For the manager in the chart's own pod: manager-soak-chart.mjs. Every 10 cycles it prints the manager's RSS (/proc), the cgroup's usage and peak,
// and its JS heap (used and total, from the manager's /metrics).
//   node tools/bench/manager-soak.mjs [cycles=100] [limit=the chart's]
// Real parts: a private api-only cluster and runtime of its own (dir .cluster-soak, API port 16543,
// etcd 12579, runtime .runtime-soak, bridge flsoak0, 10.92.0.0/16; never the shared ones), 20 pods
// with real busybox containers (SimulatedKubelet), the built daemon and manager as processes, the
// manager with leader election on as in the chart. The cluster and runtime are stopped at the end
// unless KEEP_SOAK_CLUSTER=1.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { parse } from "yaml";
import { SimulatedKubelet, applyChaosCrds, createTestNamespace, startAppProcess } from "@faultline/test-ground";
import { metricValue, mib, runSoakCycles } from "./manager-soak-cycles.mjs";

const cycles = Number(process.argv[2] ?? 100);
const repo = fileURLToPath(new URL("../../", import.meta.url));
const chartManager = parse(readFileSync(join(repo, "charts/faultline/values.yaml"), "utf8")).manager;
const limit = process.argv[3] ?? chartManager.resources.limits.memory;
const managerEnv = {
  ...process.env,
  ...(chartManager.nodeOptions && { NODE_OPTIONS: chartManager.nodeOptions }),
  ...(chartManager.mallocArenaMax != null && { MALLOC_ARENA_MAX: String(chartManager.mallocArenaMax) }),
};
const limitBytes = Number(limit.replace(/Mi$/, "")) * 1024 * 1024;
const targets = 20;
const managerMain = join(repo, "apps/manager/dist/main.js");
const daemonMain = join(repo, "apps/daemon/dist/main.js");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const clusterDir = join(repo, ".cluster-soak");
const runtimeDir = join(repo, ".runtime-soak");
const clusterEnv = {
  ...process.env,
  FAULTLINE_CLUSTER_DIR: clusterDir,
  FAULTLINE_APISERVER_PORT: "16543",
  FAULTLINE_ETCD_PORT: "12579",
  FAULTLINE_NODE_NAME: "faultline-soak",
  FAULTLINE_CGROUP_ROOT: "faultline-soak",
  FAULTLINE_KUBE_PROXY: "0",
};
const runtimeEnv = { ...process.env, FAULTLINE_RUNTIME_DIR: runtimeDir, FAULTLINE_CNI_BRIDGE: "flsoak0", FAULTLINE_CNI_SUBNET: "10.92.0.0/16" };
const cgroup = "/sys/fs/cgroup/memory/faultline-soak-manager";

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(" ")}: exit ${code}\n${out.slice(-2000)}`))));
  });
}

async function metric(port, name) {
  return metricValue(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(), name);
}

const vmRss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))[1]) * 1024;
const cgroupValue = (file) => Number(readFileSync(join(cgroup, file), "utf8").trim());
const cgroupStat = (key) => Number(new RegExp(`^${key} (\\d+)$`, "m").exec(readFileSync(join(cgroup, "memory.stat"), "utf8"))?.[1] ?? NaN);

process.stderr.write("starting the private runtime and api-only cluster …\n");
await run("bash", [join(repo, "tools/runtime/setup.sh")], runtimeEnv);
await run(join(repo, "tools/local-cluster/local-cluster"), ["up", "--api-only"], clusterEnv);
const kubeconfigPath = join(clusterDir, "admin.kubeconfig");
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfigPath);
const core = kubeConfig.makeApiClient(CoreV1Api);
const custom = kubeConfig.makeApiClient(CustomObjectsApi);
await applyChaosCrds(kubeConfig);
const ns = await createTestNamespace(kubeConfig, "soak");
const kubelet = new SimulatedKubelet(core, "faultline-soak-sim", join(runtimeDir, "containerd.sock"));
let daemon;
let manager;
try {
  for (let i = 0; i < targets; i++) await kubelet.runPod({ namespace: ns.name, name: `busybox-${i}`, labels: { app: "soak" } });
  const socket = join(mkdtempSync(join(tmpdir(), "faultline-soak-")), "daemon.sock");
  daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", join(runtimeDir, "containerd.sock")],
    (l) => l.message === "faultline daemon serving",
  );

  // the manager's own memory cgroup, limited as the chart's pod is; swap off as in a kubelet's pod
  mkdirSync(cgroup, { recursive: true });
  writeFileSync(join(cgroup, "memory.limit_in_bytes"), String(limitBytes));
  try {
    writeFileSync(join(cgroup, "memory.memsw.limit_in_bytes"), String(limitBytes));
  } catch {
    // no swap accounting on this kernel: nothing to limit
  }
  const httpPort = 18080 + Math.floor(Math.random() * 1000);
  manager = spawn(
    "sh",
    ["-c", 'echo $$ > "$0/cgroup.procs" && exec "$@"', cgroup, process.execPath, managerMain,
      "--log-format", "json", "--log-level", "warn", "--kubeconfig", kubeconfigPath, "--namespace", ns.name,
      "--daemon-address", `unix:${socket}`, "--http-host", "127.0.0.1", "--http-port", String(httpPort)],
    { stdio: ["ignore", "ignore", "inherit"], env: managerEnv },
  );
  let stopping = false;
  const exited = new Promise((resolve) => manager.on("exit", (code, signal) => resolve({ code, signal })));
  void exited.then(({ code, signal }) => {
    if (!stopping) process.stderr.write(`manager exited during the soak: ${code ?? signal} (OOM-killed? memory.failcnt ${cgroupValue("memory.failcnt")})\n`);
  });
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (manager.exitCode !== null) throw new Error("the manager exited before it was ready");
    await sleep(100);
  }
  await sleep(2000);

  const sample = async (label) => {
    const used = await metric(httpPort, "nodejs_heap_size_used_bytes");
    const total = await metric(httpPort, "nodejs_heap_size_total_bytes");
    const external = await metric(httpPort, "nodejs_external_memory_bytes");
    const line =
      `${label.padEnd(10)} rss ${mib(vmRss(manager.pid)).padStart(6)} MiB  cgroup ${mib(cgroupValue("memory.usage_in_bytes")).padStart(6)} MiB ` +
      `(rss ${mib(cgroupStat("total_rss"))}, cache ${mib(cgroupStat("total_cache"))}, peak ${mib(cgroupValue("memory.max_usage_in_bytes"))})  ` +
      `heap used ${mib(used).padStart(5)} / total ${mib(total).padStart(5)} MiB  external ${mib(external)} MiB`;
    console.log(line);
  };
  console.log(
    `manager soak: ${cycles} cycles × ${targets} targets, manager cgroup limit ${limit} (${cgroup}); ` +
      `NODE_OPTIONS ${JSON.stringify(managerEnv.NODE_OPTIONS ?? "")}, MALLOC_ARENA_MAX ${managerEnv.MALLOC_ARENA_MAX ?? "-"}`,
  );
  const alive = async (cycle) => {
    if (manager.exitCode !== null) throw new Error(`the manager exited in cycle ${cycle}`);
  };
  const seconds = await runSoakCycles({ custom, namespace: ns.name, labels: { app: "soak" }, targets, cycles, sample, alive });
  console.log(`${cycles} cycles in ${seconds.toFixed(0)} s; memory.failcnt ${cgroupValue("memory.failcnt")}; manager pid ${manager.pid} still running: ${manager.exitCode === null}`);
  stopping = true;
  manager.kill("SIGTERM");
  await exited;
} finally {
  if (manager && manager.exitCode === null) manager.kill("SIGKILL");
  await daemon?.stop();
  await kubelet.cleanup().catch(() => undefined);
  await ns.remove().catch(() => undefined);
  try {
    rmdirSync(cgroup);
  } catch {
    // still has a task (a manager that did not exit): left for the next run's mkdir
  }
  if (process.env.KEEP_SOAK_CLUSTER !== "1") {
    await run(join(repo, "tools/local-cluster/local-cluster"), ["down"], clusterEnv).catch((e) => process.stderr.write(`${e.message}\n`));
    await run("bash", [join(repo, "tools/runtime/teardown.sh")], runtimeEnv).catch((e) => process.stderr.write(`${e.message}\n`));
  }
}
