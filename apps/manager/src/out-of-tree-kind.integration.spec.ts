// A chaos kind outside the workspace, installed as a team outside the repository would install
// Faultline (tools/out-of-tree-kind): `npm pack` every workspace package the example needs, a fresh
// project in a temporary directory outside the workspace that depends on those tarballs (file:
// paths to the .tgz files npm would publish: no workspace links, no sources, no `@faultline/source`
// condition), `npm install`, `tsc` over the example's TypeScript against the packed declarations,
// then its own manager and daemon through the real path.
import { execFile } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "pidprobechaos" };
const builtInKindNames = builtInChaosKinds.map((k) => k.crd.spec.names.kind);
const minutes = 60_000;

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: { [name: string]: string };
}
const readManifest = (dir: string) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest;

/** The workspace's packages by name, with their folders. */
function workspacePackages(): Map<string, { dir: string; manifest: Manifest }> {
  const packages = new Map<string, { dir: string; manifest: Manifest }>();
  for (const parent of ["libs", "apps"]) {
    for (const entry of readdirSync(join(workspace, parent))) {
      const dir = join(workspace, parent, entry);
      if (existsSync(join(dir, "package.json"))) packages.set(readManifest(dir).name, { dir, manifest: readManifest(dir) });
    }
  }
  return packages;
}

/** The @faultline packages `roots` need at run time: themselves and their dependencies, transitively. */
function neededPackages(roots: string[], packages: ReturnType<typeof workspacePackages>): string[] {
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    const pkg = packages.get(name);
    if (!pkg) throw new Error(`${name} is not a workspace package`);
    needed.add(name);
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) if (dep.startsWith("@faultline/")) visit(dep);
  };
  roots.forEach(visit);
  return [...needed].sort();
}

/** A command's failure with what it printed, instead of execFile's bare exit code. */
async function runOrExplain(what: string, command: string, args: string[], cwd: string) {
  const started = Date.now();
  const result = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`${what} failed: ${command} ${args.join(" ")}\n${error.stdout ?? ""}\n${error.stderr ?? String(error)}`);
  });
  return { ...result, ms: Date.now() - started };
}

describe("a chaos kind outside the workspace, on the packed packages", () => {
  let scratch: string;
  let app: string;
  let packed: string[];
  let ground: SimulatedGround;
  let daemon: AppProcess | undefined;
  let manager: AppProcess | undefined;
  const timings: { [step: string]: number } = {};

  beforeAll(async () => {
    // pack what the example's package.json asks for, and what that needs, as npm would publish it
    const packages = workspacePackages();
    const example = readManifest(scratchSource);
    const direct = Object.keys(example.dependencies ?? {}).filter((d) => d.startsWith("@faultline/"));
    packed = neededPackages(direct, packages);
    scratch = mkdtempSync(join(tmpdir(), "faultline-out-of-tree-"));
    const tarballs = join(scratch, "tarballs");
    mkdirSync(tarballs);
    const pack = await runOrExplain(
      "npm pack",
      "npm",
      ["pack", "--json", "--ignore-scripts", "--pack-destination", tarballs, ...packed.flatMap((p) => ["-w", p])],
      workspace,
    );
    timings["npm pack"] = pack.ms;
    const tarballOf = Object.fromEntries(
      (JSON.parse(pack.stdout) as { name: string; filename: string }[]).map((p) => [p.name, `file:${join(tarballs, p.filename)}`]),
    );
    expect(Object.keys(tarballOf).sort()).toEqual(packed);

    // a fresh project outside the workspace: the example's own package.json, its @faultline
    // versions pointed at the tarballs (and, through overrides, every @faultline package they
    // depend on, which a registry would serve by the same version)
    app = join(scratch, "app");
    cpSync(scratchSource, app, { recursive: true, filter: (src) => !/\/(node_modules|dist)(\/|$)/.test(src.slice(scratchSource.length)) });
    const dependencies = Object.fromEntries(Object.entries(example.dependencies ?? {}).map(([name, version]) => [name, tarballOf[name] ?? version]));
    writeFileSync(join(app, "package.json"), JSON.stringify({ ...example, dependencies, overrides: tarballOf }, null, 2) + "\n");
    // third-party packages come from npm's cache, or the registry when the cache lacks them
    timings["npm install"] = (
      await runOrExplain("npm install in the example", "npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts"], app)
    ).ms;
    timings["tsc"] = (await runOrExplain("the example's build (tsc against the packed declarations)", "npm", ["run", "build"], app)).ms;

    // its CRD, printed by its own script, applied to the real API server
    const cluster = await localCluster("api-only");
    const { stdout: crdYaml } = await run(process.execPath, [join(app, "dist/print-crds.js")], { cwd: app });
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
    const started = Date.now();
    ground = await startSimulatedGround("out-of-tree");
    const socketPath = join(scratch, "daemon.sock");
    daemon = await startAppProcess(
      join(app, "dist/daemon.js"),
      ["--grpc-socket", socketPath, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", defaultTestContainerdSocket()],
      (l) => l.message === "faultline daemon serving",
    );
    manager = await startAppProcess(
      join(app, "dist/manager.js"),
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
    timings["start daemon and manager"] = Date.now() - started;
  }, 10 * minutes);

  afterAll(async () => {
    console.log(`out-of-tree test timings (ms): ${JSON.stringify(timings)}`);
    await manager?.stop();
    await daemon?.stop();
    await ground?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }, 2 * minutes);

  it("installs the tarballs as published: real folders without sources, each at the version its dependents ask for", () => {
    const installed = join(app, "node_modules/@faultline");
    expect(readdirSync(installed).map((p) => `@faultline/${p}`).sort()).toEqual(packed);
    const versions = new Map(packed.map((name) => [name, readManifest(join(app, "node_modules", name)).version]));
    for (const name of packed) {
      const dir = join(app, "node_modules", name);
      // a copy of the tarball, not a link into the workspace; no src/ for the @faultline/source condition to reach
      expect([name, lstatSync(dir).isSymbolicLink(), existsSync(join(dir, "src")), existsSync(join(dir, "dist"))]).toEqual([name, false, false, true]);
      // the overrides point at the tarballs; every @faultline dependency must still name the version packed
      for (const [dep, wanted] of Object.entries(readManifest(dir).dependencies ?? {})) {
        if (dep.startsWith("@faultline/")) expect({ name, dep, wanted }).toEqual({ name, dep, wanted: versions.get(dep) });
      }
    }
    const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8")) as { packages: { [path: string]: { resolved?: string } } };
    for (const name of packed) expect(lock.packages[`node_modules/${name}`]?.resolved).toMatch(/^file:.*\.tgz$/);
    // the example's build wrote JavaScript from its TypeScript against the packed declarations
    expect(readdirSync(join(app, "dist")).filter((f) => f.endsWith(".js")).sort()).toEqual(["daemon.js", "manager.js", "pid-probe-chaos.js", "print-crds.js"]);
  });

  it("installs the apps' command-line entry points from their tarballs", async () => {
    for (const [bin, usage] of [
      ["faultline-manager", /^Usage: faultline-manager/],
      ["faultline-daemon", /^Usage: faultline-daemon/],
    ] as const) {
      const { stdout } = await run(process.execPath, [join(app, "node_modules/.bin", bin), "--help"], { cwd: app });
      expect(stdout).toMatch(usage);
    }
  });

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
  }, 3 * minutes);
});
