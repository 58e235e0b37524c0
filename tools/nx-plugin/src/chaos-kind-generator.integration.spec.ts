// The generator end to end, in a temporary copy of the workspace: two kinds through `nx g` — the
// issue's DiskFillChaos with a recover RPC and two spec fields (`--daemon --recover --field
// size:string --field path:string`), and a plain daemon-backed pod kind (`--daemon --selector pod`)
// — then what a person would run next — buf lint, build and typecheck, the chaos package's tests —
// and what it changed, file by file. Real parts are not needed for that; with them up (npm test),
// the new kinds' integration specs run too (their daemons on the private containerd, their
// managers on the local cluster's API server).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chaosKindNames } from "./chaos-kind/names.js";
import { copyWorkspace, type WorkspaceCopy } from "./workspace-copy.test-support.js";

const workspace = fileURLToPath(new URL("../../..", import.meta.url));
const kinds = [
  { names: chaosKindNames("DiskFillChaos"), args: ["--daemon", "--recover", "--field", "size:string", "--field", "path:string"] },
  { names: chaosKindNames("NetProbeChaos"), args: ["--daemon", "--selector", "pod"] },
];
const [diskFill] = kinds;
// FAULTLINE_NX_PLUGIN_COPY=head copies the last commit instead of the working tree (for a tree
// others are editing at the same time). FAULTLINE_NX_PLUGIN_REAL_PARTS=0 leaves the generated integration specs out while real parts are busy
const withRealParts = process.env["FAULTLINE_TEST_TIER"] !== "unit" && process.env["FAULTLINE_NX_PLUGIN_REAL_PARTS"] !== "0";
const minutes = 60_000;
/** jest's output without its terminal colours (it colours its badges when it thinks it may). */
const withoutColors = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, "");
/** jest's line for a spec file that passed, however it pads its badges (CI pads them with spaces). */
const passed = (spec: string) => new RegExp(`PASS\\s+chaos\\s+(\\./)?${spec.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`);
// What the chaos package's jest config ignores in the unit tier: every other spec of the package runs.
const unitIgnore = ["/node_modules/", "<rootDir>/dist/", "\\.integration\\.spec\\.ts$"];

describe(`nx g @faultline/nx-plugin:chaos-kind ${kinds.map((k) => [k.names.kind, ...k.args].join(" ")).join(", then ")}, in a copy of the workspace`, () => {
  let copy: WorkspaceCopy;
  const timings: { [step: string]: number } = {};

  beforeAll(() => {
    const started = Date.now();
    copy = copyWorkspace(workspace, { from: process.env["FAULTLINE_NX_PLUGIN_COPY"] === "head" ? "head" : "worktree" });
    timings["copy"] = Date.now() - started;
    for (const { names, args } of kinds) {
      timings[`nx g ${names.kind}`] = copy.run("npx", ["nx", "g", "@faultline/nx-plugin:chaos-kind", names.kind, ...args, "--no-interactive"]).ms;
    }
  }, 10 * minutes);

  afterAll(() => {
    console.log(`generator test timings (ms): ${JSON.stringify(timings)}`);
    if (process.env["FAULTLINE_NX_PLUGIN_KEEP_COPY"] === "1") console.log(`kept the copy at ${copy?.root}`);
    else copy?.remove();
  });

  it("changes only the kinds' folders, one line of kinds.ts each, the proto, its generated code and the CRDs", () => {
    const changes = copy.changes();
    const allowed = [
      ...kinds.map(({ names }) => new RegExp(`^libs/chaos/${names.folder}/`)),
      /^libs\/chaos\/kinds\.ts$/,
      /^proto\/pb\/chaosdaemon\.proto$/,
      /^libs\/api\/src\/gen\//,
      ...kinds.map(({ names }) => new RegExp(`^(libs/chaos|charts/faultline)/crds/chaos-mesh\\.org_${names.plural}\\.yaml$`)),
      // Schedule, Workflow and WorkflowNode embed every kind's spec: the new kinds are in them too
      /^(libs\/chaos|charts\/faultline)\/crds\/chaos-mesh\.org_(schedules|workflows|workflownodes)\.yaml$/,
    ];
    expect(changes.filter((c) => !allowed.some((pattern) => pattern.test(c.path)))).toEqual([]);
    for (const plural of ["schedules", "workflows", "workflownodes"]) {
      const crd = readFileSync(join(copy.root, `libs/chaos/crds/chaos-mesh.org_${plural}.yaml`), "utf8");
      for (const { names } of kinds) {
        const field = names.kind.charAt(0).toLowerCase() + names.kind.slice(1);
        expect([plural, field, crd.includes(`${field}:`)]).toEqual([plural, field, true]);
      }
    }
    expect(changes.find((c) => c.path === "libs/chaos/kinds.ts")).toEqual({ path: "libs/chaos/kinds.ts", added: kinds.length, removed: 0 });
    const kindsTs = readFileSync(join(copy.root, "libs/chaos/kinds.ts"), "utf8");
    for (const { names } of kinds) expect(kindsTs).toContain(`export { ${names.constName} } from "./${names.folder}/index.js";`);
    for (const { names, args } of kinds) {
      const created = changes.filter((c) => c.path.startsWith(`libs/chaos/${names.folder}/`));
      console.log(`generated ${names.kind} (${args.join(" ")}): ${created.length} files, ${created.reduce((n, c) => n + c.added, 0)} lines`);
      expect(created.map((c) => c.path.slice(`libs/chaos/${names.folder}/`.length)).sort()).toEqual(
        [
          "README.md",
          `${names.fileBase}-crd.spec.ts`,
          `${names.fileBase}-crd.ts`,
          `${names.fileBase}-daemon.integration.spec.ts`,
          `${names.fileBase}-daemon.spec.ts`,
          `${names.fileBase}-daemon.ts`,
          `${names.fileBase}-manager.integration.spec.ts`,
          `${names.fileBase}-manager.spec.ts`,
          `${names.fileBase}-manager.ts`,
          `${names.fileBase}.ts`,
          `${names.folder}-daemon.test-support.ts`,
          "index.ts",
        ].sort(),
      );
    }
    console.log(`outside the kinds' folders: ${JSON.stringify(changes.filter((c) => !kinds.some(({ names }) => c.path.startsWith(`libs/chaos/${names.folder}/`))).map((c) => `${c.path} +${c.added} -${c.removed}`))}`);
    const gen = readFileSync(join(copy.root, "libs/api/src/gen/pb/chaosdaemon_pb.ts"), "utf8");
    for (const { names } of kinds) {
      expect(gen).toContain(`${names.request}Schema`);
      expect(gen).toContain(`${names.method}: {`);
    }
    // --recover and --field: the second RPC, and both requests with the declared fields
    expect(gen).toContain(`${diskFill!.names.recoverRequest}Schema`);
    expect(gen).toContain(`${diskFill!.names.recoverMethod}: {`);
    const proto = readFileSync(join(copy.root, "proto/pb/chaosdaemon.proto"), "utf8");
    for (const message of [diskFill!.names.request, diskFill!.names.recoverRequest]) {
      const body = proto.slice(proto.indexOf(`message ${message} {`), proto.indexOf("\n}\n", proto.indexOf(`message ${message} {`)));
      expect(body.split("\n").map((l) => l.trim()).filter((l) => /^\w.* = \d+;$/.test(l))).toEqual(["string container_id = 1;", "string size = 2;", "string path = 3;"]);
    }
    expect(proto).not.toContain("RecoverNetProbeChaos");
  });

  it("generated the kinds' CRDs, with the declared fields, and the chart carries them", () => {
    for (const { names } of kinds) {
      const file = `chaos-mesh.org_${names.plural}.yaml`;
      const crd = readFileSync(join(copy.root, "libs/chaos/crds", file), "utf8");
      expect(crd).toMatch(new RegExp(`^  name: ${names.plural}\\.chaos-mesh\\.org$`, "m"));
      expect(crd).toMatch(new RegExp(`^    kind: ${names.kind}$`, "m"));
      expect(readFileSync(join(copy.root, "charts/faultline/crds", file), "utf8")).toBe(crd);
    }
    const diskFillCrd = readFileSync(join(copy.root, "libs/chaos/crds", `chaos-mesh.org_${diskFill!.names.plural}.yaml`), "utf8");
    expect(diskFillCrd).toMatch(/^ {14}size:\n {16}type: string\n {16}description: "size: DiskFillChaos's own field/m);
    expect(diskFillCrd).toMatch(/^ {14}path:\n {16}type: string\n/m);
  });

  it("passes buf lint", () => {
    timings["buf lint"] = copy.run("npx", ["buf", "lint"]).ms;
  }, 2 * minutes);

  it("builds and typechecks, the chaos package and the apps that read its catalog", () => {
    const projects = ["@faultline/api", "@faultline/chaos", "@faultline/manager", "@faultline/daemon", "@faultline/nx-plugin"];
    timings["build typecheck"] = copy.run("npx", ["nx", "run-many", "-t", "build", "typecheck", "-p", ...projects, "--outputStyle=static"]).ms;
    for (const { names } of kinds) expect(existsSync(join(copy.root, "libs/chaos/dist", names.folder, "index.js"))).toBe(true);
  }, 10 * minutes);

  it("passes the chaos package's unit tests, the generated ones among them", () => {
    const result = copy.run("npm", ["test", "-w", "@faultline/chaos", "--", "--verbose", "--testPathIgnorePatterns", ...unitIgnore], { FAULTLINE_TEST_TIER: "unit" });
    timings["chaos unit tests"] = result.ms;
    const output = withoutColors(result.stdout + result.stderr);
    for (const { names } of kinds) {
      for (const spec of ["crd", "manager", "daemon"]) expect(output).toMatch(passed(`${names.folder}/${names.fileBase}-${spec}.spec.ts`));
    }
    // the --recover kind's specs cover both RPCs, with the declared fields
    for (const test of [
      "✓ Apply runs ExecDiskFillChaos in the record's container on its node's daemon, with the spec's fields",
      "✓ Recover runs RecoverDiskFillChaos in the record's container on its node's daemon, with the spec's fields",
      "✓ RecoverDiskFillChaos runs the recover command, built from the request's fields, in the same namespaces",
      "✓ checks the type of each of the kind's own fields",
    ]) expect(output).toContain(test);
  }, 10 * minutes);

  it("passes the manager's CRD check: the CRD files are what the catalog, the generated kinds among them, generates", () => {
    const result = copy.run("npm", ["test", "-w", "@faultline/manager", "--", "--verbose", "src/manager-crds.spec.ts"], { FAULTLINE_TEST_TIER: "unit" });
    timings["manager CRD check"] = result.ms;
    expect(withoutColors(result.stdout + result.stderr)).toMatch(/PASS\s+\S*\s*(\.\/)?src\/manager-crds\.spec\.ts/);
  }, 5 * minutes);

  (withRealParts ? it : it.skip)("passes the generated integration specs against the real parts", () => {
    const folders = kinds.map(({ names }) => names.folder).join("|");
    const result = copy.run("npm", ["test", "-w", "@faultline/chaos", "--", `(${folders})/.*\\.integration\\.spec\\.ts$`], { FAULTLINE_TEST_TIER: "all" });
    timings["generated integration specs"] = result.ms;
    const output = withoutColors(result.stdout + result.stderr);
    for (const { names } of kinds) {
      for (const spec of ["manager", "daemon"]) expect(output).toMatch(passed(`${names.folder}/${names.fileBase}-${spec}.integration.spec.ts`));
    }
  }, 10 * minutes);
});
