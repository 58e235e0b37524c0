// A chaos kind written outside the workspace, against the packed libraries (tools/out-of-tree-kind):
// `npm pack` every library the scratch package needs, install the tarballs into a copy of it in a
// temporary directory, and run its own manager and daemon through the real path.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { builtInChaosKinds } from "@faultline/chaos";
import { ApiextensionsV1Api, loadYaml, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { defaultTestContainerdSocket, localCluster, startAppProcess, type AppProcess, eventually } from "@faultline/test-ground";
import { freePort, startSimulatedGround, type SimulatedGround } from "./manager-processes.test-support.js";

const run = promisify(execFile);
const workspace = fileURLToPath(new URL("../../../", import.meta.url));
const scratchSource = join(workspace, "tools/out-of-tree-kind/scratch");
const packed = [
  "@faultline/api",
  "@faultline/chaos-kind",
  "@faultline/chaos",
  "@faultline/controller",
  "@faultline/cri-client",
  "@faultline/daemon",
  "@faultline/daemon-server",
  "@faultline/impl-registry",
  "@faultline/manager",
  "@faultline/probe-server",
  "@faultline/records",
  "@faultline/schedule",
  "@faultline/selector",
  "@faultline/status-check",
  "@faultline/workflow",
];
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "pidprobechaos" };
const builtInKindNames = builtInChaosKinds.map((k) => k.crd.spec.names.kind);


describe("a chaos kind outside the workspace, on the packed libraries", () => {
  let scratch: string;
  let ground: SimulatedGround;
  let daemon: AppProcess | undefined;
  let manager: AppProcess | undefined;

  beforeAll(async () => {
    // pack and install, as a team outside the repository would
    scratch = mkdtempSync(join(tmpdir(), "faultline-out-of-tree-"));
    const tarballs = join(scratch, "tarballs");
    mkdirSync(tarballs);
    const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", tarballs, ...packed.flatMap((p) => ["-w", p])], {
      cwd: workspace,
      maxBuffer: 64 * 1024 * 1024,
    }).catch(async (error) => {
      throw new Error(`npm pack failed: ${error.stderr ?? error}`);
    });
    const files = (JSON.parse(stdout) as { name: string; filename: string }[]).map((p) => [p.name, `file:${join(tarballs, p.filename)}`]);
    const app = join(scratch, "app");
    cpSync(scratchSource, app, { recursive: true });
    const deps = Object.fromEntries(files);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "pid-probe-chaos", private: true, type: "module", dependencies: { ...deps, "@sinclair/typebox": "0.34.52" }, overrides: deps }, null, 2),
    );
    await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], { cwd: app, maxBuffer: 64 * 1024 * 1024 }).catch(
      (error) => {
        throw new Error(`npm install in the scratch package failed: ${error.stderr ?? error}`);
      },
    );
    expect(readdirSync(join(app, "node_modules/@faultline")).sort()).toEqual(packed.map((p) => p.slice("@faultline/".length)).sort());

    // its CRD, printed by its own script, applied to the real API server
    const cluster = await localCluster("api-only");
    const { stdout: crdYaml } = await run(process.execPath, [join(app, "print-crds.mjs")], { cwd: app });
    const crd = loadYaml<V1CustomResourceDefinition>(crdYaml);
    const extensions = cluster.kubeConfig.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({ body: crd }).catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
    await eventually("the PidProbeChaos CRD to be established", async () => {
      const current = await extensions.readCustomResourceDefinition({ name: crd.metadata!.name! });
      return current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
    });

    // its own daemon and manager, as processes
    ground = await startSimulatedGround("out-of-tree");
    const socketPath = join(scratch, "daemon.sock");
    daemon = await startAppProcess(
      join(app, "daemon.mjs"),
      ["--grpc-socket", socketPath, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", defaultTestContainerdSocket()],
      (l) => l.message === "faultline daemon serving",
    );
    manager = await startAppProcess(
      join(app, "manager.mjs"),
      [
        "--kubeconfig", ground.kubeconfigPath,
        "--namespace", ground.ns.name,
        "--daemon-address", `unix:${socketPath}`,
        "--http-host", "127.0.0.1",
        "--http-port", String(await freePort()),
        "--leader-elect", "false",
      ],
      (l) => l.message === "leading: watching chaos kinds",
    );
  }, 600_000);

  afterAll(async () => {
    await manager?.stop();
    await daemon?.stop();
    await ground?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 120_000);

  it("serves the team's kind beside the built-in ones, and its daemon the built-in RPCs", () => {
    const leading = manager!.lines.find((l) => l.message === "leading: watching chaos kinds");
    expect(leading?.["kinds"]).toEqual([...builtInKindNames, "PidProbeChaos"]);
    const serving = daemon!.lines.find((l) => l.message === "faultline daemon serving");
    expect(serving?.["rpcs"]).toEqual(expect.arrayContaining(["ContainerGetPid", "ContainerKill", "ExecHelloWorldChaos"]));
  });

  it("drives a PidProbeChaos to AllInjected through its own manager and daemon, then deletes it", async () => {
    const pod = await ground.kubelet.runPod({ namespace: ground.ns.name, name: "probed", containers: [{ name: "app", command: ["sleep", "3600"] }] });
    await ground.custom.createNamespacedCustomObject({
      ...group,
      namespace: ground.ns.name,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PidProbeChaos", metadata: { name: "probe" }, spec: { selector: { namespaces: [ground.ns.name] }, mode: "all" } },
    });
    const get = async () =>
      (await ground.custom.getNamespacedCustomObject({ ...group, namespace: ground.ns.name, name: "probe" })) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
    await eventually("AllInjected", async () => ((await get()).status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True") ? true : undefined));

    const found = manager!.lines.find((l) => l.message === "PidProbeChaos found the container's pid");
    expect(found).toMatchObject({ id: `${ground.ns.name}/probed/app` });
    const containerId = String(found?.["containerId"]);
    expect(containerId).toBe(pod.status!.containerStatuses![0]!.containerID);
    expect(daemon!.lines).toContainEqual(expect.objectContaining({ method: "ContainerGetPid", containerId }));
    const pid = Number(found?.["pid"]);
    expect(pid).toBeGreaterThan(1);
    // the pid is the container's: its /proc entry runs the container's command
    const { stdout } = await run("cat", [`/proc/${pid}/cmdline`]);
    expect(stdout.split("\0").filter(Boolean)).toEqual(["sleep", "3600"]);

    await ground.custom.deleteNamespacedCustomObject({ ...group, namespace: ground.ns.name, name: "probe" });
    await eventually("the PidProbeChaos to be gone", () =>
      get().then(
        () => undefined,
        (e: { code?: number }) => (e.code === 404 ? true : undefined),
      ),
    );
  }, 180_000);
});
