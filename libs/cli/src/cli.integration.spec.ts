// The built faultline binary, spawned as a user runs it, against the local cluster's API server
// with the built manager and daemon (apps/manager's test support): status (table, json, one
// experiment, --watch on a pipe and on a terminal in tmux), `kubectl faultline`, pause/resume of one
// experiment, and a refusal naming the permission the user lacks.
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { eventually, type AppProcess } from "@faultline/test-ground";
import { setHeaderOptions, PatchStrategy } from "@kubernetes/client-node";
import { freePort, startSimulatedGround, startTestManager, type SimulatedGround } from "../../../apps/manager/src/manager-processes.test-support.js";
import { cliMain, pluginPath, runFaultline, startFaultline, tmuxSession } from "./cli-processes.test-support.js";

const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const within = 30_000;
const setMergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

describe("faultline CLI on the local cluster", () => {
  let ground: SimulatedGround;
  let manager: AppProcess;
  let ns: string;
  const cli = (...args: string[]) => runFaultline(args, { kubeconfig: ground.kubeconfigPath });
  const statusJson = async (name: string) => {
    const r = await cli("status", `podchaos/${name}`, "-n", ns, "-o", "json");
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { records: { injected: number; total: number }; nodes: { node: string; injected: number; total: number }[]; paused: boolean; conditions: { type: string; status: string }[]; events: { reason: string }[] };
  };

  beforeAll(async () => {
    ground = await startSimulatedGround("cli");
    ns = ground.ns.name;
    // the automatic sweep off, so an orphan stays for recover --orphans; the status ConfigMap in ns
    manager = await startTestManager({ kubeconfigPath: ground.kubeconfigPath, namespace: ns, daemonSocket: ground.daemonSocket, httpPort: await freePort(), extraArgs: ["--sweep-interval-seconds", "0"] });
    for (const i of [0, 1]) await ground.kubelet.runPod({ namespace: ns, name: `web-${i}`, labels: { app: "web" }, containers: [{ name: "app" }] });
    await ground.kubelet.runPod({ namespace: ns, name: "spare", labels: { app: "spare" }, containers: [{ name: "app" }] });
    await ground.custom.createNamespacedCustomObject({
      ...group,
      namespace: ns,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name: "hello" }, spec: { action: "pod-failure", selector: { namespaces: [ns], labelSelectors: { app: "web" } }, mode: "all", duration: "1h" } },
    });
    await eventually("hello injected in both pods", async () => ((await statusJson("hello")).records.injected === 2 ? true : undefined), within);
  }, 180_000);

  afterAll(async () => {
    // never leave the cluster-wide kill switch engaged for the next spec
    await ground?.custom.patchClusterCustomObject({ group: "faultline.chaos-mesh.org", version: "v1alpha1", plural: "killswitches", name: "cluster", body: { spec: { engaged: false } } }, setMergePatch).catch(() => undefined);
    await manager?.stop();
    await ground?.stop();
  }, 120_000);

  it("status: a table with records injected/total per node, conditions and the last event", async () => {
    const r = await cli("status", "-n", ns);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    const [header, row] = r.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^KIND\s+NAME\s+PHASE\s+INJECTED\s+NODES\s+CONDITIONS\s+AGE\s+LAST EVENT$/);
    expect(row).toMatch(new RegExp(`^PodChaos\\s+hello\\s+Run\\s+2/2\\s+${ground.kubelet.nodeName} 2/2\\s+Selected,AllInjected\\s`));
  }, 120_000);

  it("status -o json and kubectl faultline (the plugin on PATH) give the experiment per node", async () => {
    const direct = await statusJson("hello");
    expect(direct.nodes).toEqual([{ node: ground.kubelet.nodeName, injected: 2, total: 2 }]);
    const { stdout } = await promisify(execFile)("kubectl", ["faultline", "status", "-n", ns, "-o", "json"], { env: { ...process.env, KUBECONFIG: ground.kubeconfigPath, PATH: await pluginPath() } });
    const items = (JSON.parse(stdout) as { items: { name: string; records: unknown; nodes: unknown }[] }).items;
    expect(items).toEqual([expect.objectContaining({ name: "hello", records: { injected: 2, total: 2 }, nodes: direct.nodes })]);
  }, 120_000);

  it("status kind/name: the experiment in detail with its events; unknown objects and kinds refused", async () => {
    const r = await cli("status", "PodChaos/hello", "-n", ns);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`PodChaos ${ns}/hello\n`);
    expect(r.stdout).toContain(`    ${ground.kubelet.nodeName}: 2/2 injected\n`);
    expect(r.stdout).toMatch(/last events:\n\s+\d+[smhd] ago\s+Normal /);
    expect(await cli("status", "podchaos/absent", "-n", ns)).toMatchObject({ code: 1, stderr: `faultline: PodChaos ${ns}/absent not found\n` });
    const unknown = await cli("status", "diskchaos/x", "-n", ns);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown chaos kind "diskchaos"');
  }, 120_000);

  it("stop kind/name pauses one experiment (its records recovered), resume runs it again", async () => {
    const stopped = await cli("stop", "podchaos/hello", "-n", ns);
    expect(stopped).toMatchObject({ code: 0, stderr: `PodChaos ${ns}/hello paused: its records are being recovered.\n` });
    const paused = await eventually("hello recovered", async () => {
      const s = await statusJson("hello");
      return s.records.injected === 0 && s.conditions.some((c) => c.type === "Paused" && c.status === "True") ? s : undefined;
    }, within);
    expect(paused.paused).toBe(true);
    expect(await cli("resume", "podchaos/hello", "-n", ns)).toMatchObject({ code: 0 });
    await eventually("hello injected again", async () => ((await statusJson("hello")).records.injected === 2 ? true : undefined), within);
  }, 120_000);

  it("status --watch on a pipe: a line when something changes, ends on Ctrl-C with exit 0", async () => {
    const watch = startFaultline(["status", "-n", ns, "--watch"], ground.kubeconfigPath);
    try {
      await eventually("the first line", async () => (watch.output().stdout.includes("PodChaos") ? true : undefined), within);
      expect(watch.output().stdout).toMatch(new RegExp(`^\\d\\d:\\d\\d:\\d\\d PodChaos ${ns}/hello Run injected 2/2 nodes ${ground.kubelet.nodeName} 2/2 conditions Selected,AllInjected\\n$`));
      // a change: pausing it prints new lines, and no ANSI escapes on a pipe
      expect((await cli("stop", "podchaos/hello", "-n", ns)).code).toBe(0);
      await eventually("a line with 0/2", async () => (watch.output().stdout.includes("injected 0/2") ? true : undefined), within);
      expect(watch.output().stdout).not.toContain("\x1b[");
    } finally {
      watch.child.kill("SIGINT");
    }
    expect((await watch.done).code).toBe(0);
    expect((await cli("resume", "podchaos/hello", "-n", ns)).code).toBe(0);
    await eventually("hello injected again", async () => ((await statusJson("hello")).records.injected === 2 ? true : undefined), within);
  }, 120_000);

  it("status --watch on a terminal (tmux): a progress bar per experiment redrawn in place, Ctrl-C ends it", async () => {
    // bash traps Ctrl-C (a handler, so the CLI gets the default) to stay and print the CLI's exit code
    const session = await tmuxSession(`faultline-cli-${process.pid}`, `bash -c 'trap true INT; KUBECONFIG=${ground.kubeconfigPath} ${process.execPath} ${cliMain} status -n ${ns} --watch; echo "exit=$?"; sleep 60'`);
    try {
      const screen = await eventually("the progress bar", async () => {
        const s = await session.screen();
        return s.includes("[####################]") ? s : undefined;
      }, within);
      expect(screen).toMatch(/^faultline status --watch {3}\d\d:\d\d:\d\d {3}\(Ctrl-C to end\)$/m);
      expect(screen).toMatch(new RegExp(`^PodChaos ${ns}/hello  \\[#{20}\\]     2/2  Run   ${ground.kubelet.nodeName} 2/2  Selected,AllInjected$`, "m"));
      // redrawn in place: after more reads, still one header and one bar on the screen
      await new Promise((r) => setTimeout(r, 2500));
      const later = await session.screen();
      expect(later.match(/faultline status --watch/g)).toHaveLength(1);
      expect(later.match(/PodChaos /g)).toHaveLength(1);
      await session.keys("C-c");
      await eventually("exit 0", async () => ((await session.screen()).includes("exit=0") ? true : undefined), within);
    } finally {
      await session.kill();
    }
  }, 120_000);

  it("a user without rights gets a refusal naming the permission, exit 1", async () => {
    await ground.core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: "nobody" } } });
    const token = (await ground.core.createNamespacedServiceAccountToken({ namespace: ns, name: "nobody", body: { spec: { audiences: [], expirationSeconds: 600 } } })).status!.token;
    const admin = ground.kubeconfigPath;
    const { stdout: server } = await promisify(execFile)(process.execPath, ["-e", `const y=require("fs").readFileSync(${JSON.stringify(admin)},"utf8");process.stdout.write(/server: (\\S+)/.exec(y)[1])`]);
    const dir = mkdtempSync(join(tmpdir(), "faultline-cli-nobody-"));
    const kubeconfig = join(dir, "config");
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]\nusers: [{name: nobody, user: {token: "${token}"}}]\ncontexts: [{name: nobody, context: {cluster: c, user: nobody, namespace: ${ns}}}]\ncurrent-context: nobody\n`);
    const r = await runFaultline(["status"], { kubeconfig });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^faultline: forbidden: your RBAC does not allow: list \\w+chaos\\.chaos-mesh\\.org in namespace ${ns} \\(the API server: .*system:serviceaccount:${ns}:nobody`));
  }, 120_000);

  it("plan -f: the manager's plan of the manifest printed (targets, node, capable, the patch), the object deleted, nothing injected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-cli-plan-"));
    const manifest = join(dir, "pod-failure.yaml");
    writeFileSync(manifest, `apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata:\n  name: try-failure\n  namespace: ${ns}\nspec:\n  action: pod-failure\n  mode: one\n  duration: 30s\n  selector:\n    labelSelectors: { app: spare }\n`);
    const table = await cli("plan", "-f", manifest);
    expect(table.stderr).toContain(`Created PodChaos ${ns}/try-failure-plan-`);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`PodChaos ${ns}/try-failure: mode one: `);
    expect(table.stdout).toMatch(new RegExp(`^TARGET\\s+NODE\\s+CAPABLE\\n${ns}/spare\\s+${ground.kubelet.nodeName}\\s+yes$`, "m"));
    expect(table.stdout).toContain(`${ns}/spare on ${ground.kubelet.nodeName}:\n    1. api`);
    const json = await cli("plan", "-f", manifest, "-o", "json");
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout) as { mode: string; candidates: number; picks: number; targets: { id: string; node: string; capable: boolean; steps: { on: string; patch?: unknown }[] }[] };
    expect(plan).toMatchObject({ mode: "one", candidates: 1, picks: 1, targets: [{ id: `${ns}/spare`, node: ground.kubelet.nodeName, capable: true }] });
    expect(plan.targets[0]!.steps.some((s) => s.on === "api" && s.patch !== undefined)).toBe(true);
    // the plan objects are gone and the pod was never touched
    await eventually("the plan objects deleted", async () => {
      const list = (await ground.custom.listNamespacedCustomObject({ ...group, namespace: ns })) as { items: { metadata: { name: string } }[] };
      return list.items.every((o) => !o.metadata.name.startsWith("try-failure-plan-")) ? true : undefined;
    }, within);
    const spare = await ground.core.readNamespacedPod({ namespace: ns, name: "spare" });
    expect(spare.metadata?.annotations ?? {}).not.toHaveProperty(["chaos-mesh.org/pod-failure"]);
    expect(spare.spec!.containers[0]!.image).not.toMatch(/pause/);
  }, 120_000);

  it("stop --all engages the kill switch (engagedBy the user) and waits until every record is recovered; resume --all runs them again", async () => {
    const stopped = await cli("stop", "--all", "--reason", "cli spec", "-o", "json");
    expect(stopped.stderr).toMatch(/Kill switch engaged \(cli spec\) by \S+: every experiment is being recovered/);
    expect(stopped.stderr).toMatch(/Every record recovered \(\d+\.\ds/);
    expect(stopped.code).toBe(0);
    const ks = JSON.parse(stopped.stdout) as { spec: { engaged: boolean; reason: string; engagedBy?: string }; status: { activeRecords: number } };
    expect(ks.spec).toMatchObject({ engaged: true, reason: "cli spec" });
    expect(ks.spec.engagedBy).toBeTruthy();
    expect(ks.status.activeRecords).toBe(0);
    const s = await statusJson("hello");
    expect(s.records.injected).toBe(0);
    expect(s.conditions).toContainEqual(expect.objectContaining({ type: "Paused", status: "True", reason: "KillSwitch" }));
    const resumed = await cli("resume", "--all");
    expect(resumed).toMatchObject({ code: 0, stderr: "Kill switch disengaged: experiments that were running resume.\n" });
    await eventually("hello injected again", async () => ((await statusJson("hello")).records.injected === 2 ? true : undefined), within);
  }, 120_000);

  it("doctor: the manager, each node's daemon and capabilities, RBAC gaps; exit 1 exactly when it lists a problem", async () => {
    const r = await cli("doctor", "--faultline-namespace", ns);
    expect(r.stdout).toMatch(new RegExp(`^Manager \\(${ns}\\): version \\S+, leader \\S+ since `, "m"));
    // the test manager reaches its daemon at a fixed --daemon-address: no daemon pod to name
    expect(r.stdout).toMatch(new RegExp(`^${ground.kubelet.nodeName}\\s+\\(static address\\)\\s+-\\s+yes$`, "m"));
    expect(r.stdout).toContain(`Capabilities of ${ground.kubelet.nodeName}:`);
    expect(r.stdout).toMatch(/^ {2}PodChaos\s+yes$/m);
    expect(r.stdout).toContain("Your RBAC: every command allowed.");
    const json = await cli("doctor", "--faultline-namespace", ns, "-o", "json");
    const doc = JSON.parse(json.stdout) as { problems: string[] };
    expect(json.code).toBe(doc.problems.length > 0 ? 1 : 0);
    expect(r.code).toBe(json.code);
  }, 120_000);

  it("recover --orphans: lists a forced-deleted experiment's injection, refuses without confirmation off a terminal, removes it after y on one", async () => {
    await ground.custom.createNamespacedCustomObject({
      ...group,
      namespace: ns,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name: "forced" }, spec: { action: "pod-failure", selector: { namespaces: [ns], labelSelectors: { app: "spare" } }, mode: "all", duration: "1h" } },
    });
    await eventually("forced injected", async () => ((await statusJson("forced")).records.injected === 1 ? true : undefined), within);
    await ground.custom.patchNamespacedCustomObject({ ...group, namespace: ns, name: "forced", body: { metadata: { annotations: { "chaos-mesh.chaos-mesh.org/cleanFinalizer": "forced" } } } }, setMergePatch);
    await ground.custom.deleteNamespacedCustomObject({ ...group, namespace: ns, name: "forced" });
    await eventually("forced gone", () => ground.custom.getNamespacedCustomObject({ ...group, namespace: ns, name: "forced" }).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)), within);
    const refused = await cli("recover", "--orphans", "--faultline-namespace", ns);
    expect(refused.code).toBe(1);
    // the experiment is named by its uid where the injection keeps only that (a pod-failure marker)
    expect(refused.stdout).toMatch(new RegExp(`^PodChaos\\s+${ns}/spare\\s+(${ns}/forced|uid [0-9a-f-]{36})\\s+pod-failure`, "m"));
    expect(refused.stderr).toMatch(/refusing to remove \d+ injections? without confirmation: stdin is not a terminal, pass --yes/);
    const session = await tmuxSession(`faultline-recover-${process.pid}`, `bash -c 'KUBECONFIG=${ground.kubeconfigPath} ${process.execPath} ${cliMain} recover --orphans --faultline-namespace ${ns}; echo "exit=$?"; sleep 60'`);
    try {
      await eventually("the prompt", async () => ((await session.screen()).includes("? [y/N]") ? true : undefined), within);
      await session.keys("y", "Enter");
      const screen = await eventually("exit", async () => {
        const s = await session.screen();
        return s.includes("exit=") ? s : undefined;
      }, 60_000);
      expect(screen).toContain("Removed:");
      expect(screen).toMatch(new RegExp(`PodChaos\\s+${ns}/spare\\s`));
      expect(screen).toContain("exit=0");
    } finally {
      await session.kill();
    }
    const after = JSON.parse((await cli("recover", "--orphans", "--faultline-namespace", ns, "-o", "json")).stdout) as { found: { pod: string }[] };
    expect(after.found.filter((o) => o.pod === `${ns}/spare`)).toEqual([]);
  }, 180_000);
});
