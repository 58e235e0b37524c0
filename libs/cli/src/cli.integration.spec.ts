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
import { freePort, startSimulatedGround, startTestManager, type SimulatedGround } from "../../../apps/manager/src/manager-processes.test-support.js";
import { cliMain, pluginPath, runFaultline, startFaultline, tmuxSession } from "./cli-processes.test-support.js";

const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const within = 30_000;

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
    manager = await startTestManager({ kubeconfigPath: ground.kubeconfigPath, namespace: ns, daemonSocket: ground.daemonSocket, httpPort: await freePort() });
    for (const i of [0, 1]) await ground.kubelet.runPod({ namespace: ns, name: `web-${i}`, labels: { app: "web" }, containers: [{ name: "app" }] });
    await ground.custom.createNamespacedCustomObject({
      ...group,
      namespace: ns,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name: "hello" }, spec: { action: "pod-failure", selector: { namespaces: [ns], labelSelectors: { app: "web" } }, mode: "all", duration: "1h" } },
    });
    await eventually("hello injected in both pods", async () => ((await statusJson("hello")).records.injected === 2 ? true : undefined), within);
  }, 180_000);

  afterAll(async () => {
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
});
