// Fault injection for the manager itself (issue 15): the API server is stopped (SIGTERM, then
// restarted by `local-cluster up`), frozen (SIGSTOP … SIGCONT), and separately etcd is stopped or
// frozen, at random moments of an experiment's apply and of its deletion. Every run must end with
// all 20 records Injected, the deletion completed (finalizer removed), and the same manager process.
// Real parts: a private api-only cluster and runtime of this test's own (never the shared ones:
// their owners' tests would see the outages), 20 pods with real busybox containers, the built
// daemon and manager (with leader election on) as processes.
//
// FAULTLINE_OUTAGE_RUNS (default 10): runs per kind of fault; each run has one outage during the
// apply and one during the deletion.
import { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { SimulatedKubelet, applyChaosCrds, createTestNamespace, startAppProcess, type AppProcess } from "@faultline/test-ground";
import { daemonMain, freePort, managerMain } from "./manager-processes.test-support.js";
import { outageCluster, startPrivateCluster, type PrivateCluster } from "./private-cluster.test-support.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const runs = Number(process.env["FAULTLINE_OUTAGE_RUNS"] ?? 10);
const targets = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const random = (min: number, max: number) => Math.round(min + Math.random() * (max - min));

type Fault = "apiserver-sigterm" | "apiserver-sigstop" | "etcd";

let cluster: PrivateCluster;
let custom: CustomObjectsApi;
let ns: { name: string; remove(): Promise<void> };
let kubelet: SimulatedKubelet;
let daemon: AppProcess | undefined;
let manager: AppProcess | undefined;
let managerPid: number;
const measured: Array<{ fault: string; phase: string; holdMs: number; toDoneMs: number }> = [];

beforeAll(async () => {
  cluster = await startPrivateCluster(outageCluster);
  await applyChaosCrds(cluster.kubeConfig);
  ns = await createTestNamespace(cluster.kubeConfig, "outage");
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  custom = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  kubelet = new SimulatedKubelet(core, "faultline-outage-sim", cluster.containerdSocket);
  for (let i = 0; i < targets; i++) await kubelet.runPod({ namespace: ns.name, name: `busybox-${i}`, labels: { app: "outage" } });
  const socket = join(mkdtempSync(join(tmpdir(), "faultline-outage-")), "daemon.sock");
  daemon = await startAppProcess(
    daemonMain,
    ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", cluster.containerdSocket],
    (l) => l.message === "faultline daemon serving",
  );
  manager = await startAppProcess(
    managerMain,
    [
      "--kubeconfig", cluster.kubeconfigPath,
      "--namespace", ns.name, // the leader-election Lease lives here; election stays on
      "--daemon-address", `unix:${socket}`,
      "--http-host", "127.0.0.1",
      "--http-port", String(await freePort()),
    ],
    (l) => l.message === "leading: watching chaos kinds",
  );
  managerPid = manager.process.pid!;
}, 1_800_000);

afterAll(async () => {
  if (measured.length) {
    const lines = measured.map((m) => `  ${m.fault.padEnd(18)} ${m.phase.padEnd(8)} outage ${String(m.holdMs).padStart(5)} ms → done ${String(m.toDoneMs).padStart(5)} ms after the API came back`);
    const worst = Math.max(...measured.map((m) => m.toDoneMs));
    process.stderr.write(`manager API-outage runs (${measured.length} outages):\n${lines.join("\n")}\n  worst: ${worst} ms\n`);
  }
  await manager?.stop();
  await daemon?.stop();
  await kubelet?.cleanup().catch(() => undefined);
  await ns?.remove().catch(() => undefined);
  await cluster?.down();
}, 300_000);

/** Breaks what `fault` names for `holdMs`, brings it back, and answers when it was back. */
async function outage(fault: Fault, run: number, holdMs: number): Promise<number> {
  const component = fault === "etcd" ? "etcd" : "kube-apiserver";
  const pid = cluster.pidOf(component);
  // etcd: stopped on even runs (restarted by `up`), frozen on odd ones
  const freeze = fault === "apiserver-sigstop" || (fault === "etcd" && run % 2 === 1);
  process.kill(pid, freeze ? "SIGSTOP" : "SIGTERM");
  await sleep(holdMs);
  if (freeze) process.kill(pid, "SIGCONT");
  else await cluster.up(); // replaces one still draining, starts one that exited
  return performance.now();
}

async function getObject(name: string) {
  try {
    return (await custom.getNamespacedCustomObject({ ...resource, namespace: ns.name, name })) as {
      status?: { experiment?: { containerRecords?: Array<{ phase: string }> } };
    };
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** What a failure message shows: the object's record phases and the manager's lines about it. */
async function whereItStands(name: string | undefined): Promise<string> {
  if (name === undefined) return `manager's last lines: ${JSON.stringify(manager?.lines.slice(-8))}`;
  let phases = "unreadable";
  try {
    const records = (await getObject(name))?.status?.experiment?.containerRecords;
    const counts = new Map<string, number>();
    for (const r of records ?? []) counts.set(r.phase, (counts.get(r.phase) ?? 0) + 1);
    phases = records === undefined ? "no records" : JSON.stringify(Object.fromEntries(counts));
  } catch (error) {
    phases = `unreadable (${(error as Error).message.split("\n")[0]})`;
  }
  const about = manager?.lines.filter((l) => JSON.stringify(l).includes(name)).slice(-6);
  return `records: ${phases}; manager's lines about ${name}: ${JSON.stringify(about)}; its last lines: ${JSON.stringify(manager?.lines.slice(-4))}`;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 90_000, about?: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await check();
    } catch {
      // the API server may still be settling after its return
    }
    if (ok) return;
    if (performance.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms; ${await whereItStands(about)}`);
    await sleep(50);
  }
}

const allInjected = async (name: string) => {
  const records = (await getObject(name))?.status?.experiment?.containerRecords ?? [];
  return records.length === targets && records.every((r) => r.phase === "Injected");
};

async function oneRun(fault: Fault, run: number): Promise<void> {
  const name = `${fault}-${run}`;
  await until("API server serving", async () => (await getObject("none")) === undefined, 60_000);
  await custom.createNamespacedCustomObject({
    ...resource,
    namespace: ns.name,
    body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { name }, spec: { selector: { namespaces: [ns.name], labelSelectors: { app: "outage" } }, mode: "all" } },
  });
  // during the apply: 20 records at parallelism 8 take a few hundred ms here
  await sleep(random(0, 400));
  let holdMs = random(300, 2500);
  let back = await outage(fault, run, holdMs);
  await until(`${name}: all ${targets} records Injected`, () => allInjected(name), 90_000, name);
  measured.push({ fault, phase: "apply", holdMs, toDoneMs: Math.round(performance.now() - back) });

  await until("API server serving", async () => (await getObject(name)) !== undefined, 60_000);
  await custom.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name });
  await sleep(random(0, 300));
  holdMs = random(300, 2500);
  back = await outage(fault, run, holdMs);
  await until(`${name}: deleted (every record recovered, finalizer removed)`, async () => (await getObject(name)) === undefined, 90_000, name);
  measured.push({ fault, phase: "delete", holdMs, toDoneMs: Math.round(performance.now() - back) });

  expect(manager!.process.exitCode).toBeNull();
  expect(manager!.process.signalCode).toBeNull();
  expect(manager!.process.pid).toBe(managerPid);
}

describe.each<Fault>(["apiserver-sigterm", "apiserver-sigstop", "etcd"])("the manager through %s", (fault) => {
  test(`${runs} outages during apply and ${runs} during deletion: every record Injected, deletion done, same process`, async () => {
    for (let run = 0; run < runs; run++) await oneRun(fault, run);
    // nothing the outages caused went unowned or unstructured
    expect(manager!.stderr()).not.toMatch(/Unhandled|TypeError|fetch failed/);
    expect(manager!.lines.filter((l) => l["lastResort"] !== undefined)).toEqual([]);
    expect(manager!.lines.filter((l) => l["level"] === undefined)).toEqual([]);
  }, 900_000);
});
