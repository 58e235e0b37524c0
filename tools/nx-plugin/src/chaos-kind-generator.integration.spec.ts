// The generator end to end, in a temporary copy of the workspace: `nx g … --daemon`, then what a
// person would run next — buf lint, build and typecheck, the chaos package's tests — and what it
// changed, file by file. Real parts are not needed for that; with them up (npm test), the new
// kind's integration specs run too (its daemon on the private containerd, its manager on the
// local cluster's API server).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chaosKindNames } from "./chaos-kind/names.js";
import { copyWorkspace, type WorkspaceCopy } from "./workspace-copy.test-support.js";

const workspace = fileURLToPath(new URL("../../..", import.meta.url));
const kind = "DiskFillChaos";
const names = chaosKindNames(kind);
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

describe(`nx g @faultline/nx-plugin:chaos-kind ${kind} --daemon, in a copy of the workspace`, () => {
  let copy: WorkspaceCopy;
  const timings: { [step: string]: number } = {};

  beforeAll(() => {
    const started = Date.now();
    copy = copyWorkspace(workspace, { from: process.env["FAULTLINE_NX_PLUGIN_COPY"] === "head" ? "head" : "worktree" });
    timings["copy"] = Date.now() - started;
    timings["nx g"] = copy.run("npx", ["nx", "g", "@faultline/nx-plugin:chaos-kind", kind, "--daemon", "--no-interactive"]).ms;
  }, 10 * minutes);

  afterAll(() => {
    console.log(`generator test timings (ms): ${JSON.stringify(timings)}`);
    if (process.env["FAULTLINE_NX_PLUGIN_KEEP_COPY"] === "1") console.log(`kept the copy at ${copy?.root}`);
    else copy?.remove();
  });

  it("changes only the kind's folder, one line of kinds.ts, the proto, its generated code and the CRDs", () => {
    const changes = copy.changes();
    const allowed = [
      new RegExp(`^libs/chaos/${names.folder}/`),
      /^libs\/chaos\/kinds\.ts$/,
      /^proto\/pb\/chaosdaemon\.proto$/,
      /^libs\/api\/src\/gen\//,
      new RegExp(`^(libs/chaos|charts/faultline)/crds/chaos-mesh\\.org_${names.plural}\\.yaml$`),
      // Schedule, Workflow and WorkflowNode embed every kind's spec: the new kind is in them too
      /^(libs\/chaos|charts\/faultline)\/crds\/chaos-mesh\.org_(schedules|workflows|workflownodes)\.yaml$/,
    ];
    expect(changes.filter((c) => !allowed.some((pattern) => pattern.test(c.path)))).toEqual([]);
    for (const plural of ["schedules", "workflows", "workflownodes"]) {
      const field = names.kind.charAt(0).toLowerCase() + names.kind.slice(1);
      expect([plural, readFileSync(join(copy.root, `libs/chaos/crds/chaos-mesh.org_${plural}.yaml`), "utf8").includes(`${field}:`)]).toEqual([plural, true]);
    }
    expect(changes.find((c) => c.path === "libs/chaos/kinds.ts")).toEqual({ path: "libs/chaos/kinds.ts", added: 1, removed: 0 });
    expect(readFileSync(join(copy.root, "libs/chaos/kinds.ts"), "utf8")).toContain(
      `export { ${names.constName} } from "./${names.folder}/index.js";`,
    );
    const created = changes.filter((c) => c.path.startsWith(`libs/chaos/${names.folder}/`));
    console.log(
      `generated kind: ${created.length} files, ${created.reduce((n, c) => n + c.added, 0)} lines; outside its folder: ` +
        JSON.stringify(changes.filter((c) => !created.includes(c)).map((c) => `${c.path} +${c.added} -${c.removed}`)),
    );
    expect(created.map((c) => c.path.slice(`libs/chaos/${names.folder}/`.length)).sort()).toEqual([
      "README.md",
      "diskfill-chaos-crd.spec.ts",
      "diskfill-chaos-crd.ts",
      "diskfill-chaos-daemon.integration.spec.ts",
      "diskfill-chaos-daemon.spec.ts",
      "diskfill-chaos-daemon.ts",
      "diskfill-chaos-manager.integration.spec.ts",
      "diskfill-chaos-manager.spec.ts",
      "diskfill-chaos-manager.ts",
      "diskfill-chaos.ts",
      "diskfill-daemon.test-support.ts",
      "index.ts",
    ]);
    const gen = readFileSync(join(copy.root, "libs/api/src/gen/pb/chaosdaemon_pb.ts"), "utf8");
    expect(gen).toContain(`${names.request}Schema`);
    expect(gen).toContain(`${names.method}: {`);
  });

  it("generated the kind's CRD, and the chart carries it", () => {
    const file = `chaos-mesh.org_${names.plural}.yaml`;
    const crd = readFileSync(join(copy.root, "libs/chaos/crds", file), "utf8");
    expect(crd).toMatch(new RegExp(`^  name: ${names.plural}\\.chaos-mesh\\.org$`, "m"));
    expect(crd).toMatch(/^    kind: DiskFillChaos$/m);
    expect(readFileSync(join(copy.root, "charts/faultline/crds", file), "utf8")).toBe(crd);
  });

  it("passes buf lint", () => {
    timings["buf lint"] = copy.run("npx", ["buf", "lint"]).ms;
  }, 2 * minutes);

  it("builds and typechecks, the chaos package and the apps that read its catalog", () => {
    const projects = ["@faultline/api", "@faultline/chaos", "@faultline/manager", "@faultline/daemon", "@faultline/nx-plugin"];
    timings["build typecheck"] = copy.run("npx", ["nx", "run-many", "-t", "build", "typecheck", "-p", ...projects, "--outputStyle=static"]).ms;
    expect(existsSync(join(copy.root, "libs/chaos/dist", names.folder, "index.js"))).toBe(true);
  }, 10 * minutes);

  it("passes the chaos package's unit tests, the generated ones among them", () => {
    const result = copy.run("npm", ["test", "-w", "@faultline/chaos", "--", "--testPathIgnorePatterns", ...unitIgnore], { FAULTLINE_TEST_TIER: "unit" });
    timings["chaos unit tests"] = result.ms;
    const output = withoutColors(result.stdout + result.stderr);
    for (const spec of ["crd", "manager", "daemon"]) expect(output).toMatch(passed(`${names.folder}/${names.fileBase}-${spec}.spec.ts`));
    expect(output).toMatch(passed("crd-files.spec.ts"));
  }, 10 * minutes);

  (withRealParts ? it : it.skip)("passes the generated integration specs against the real parts", () => {
    const result = copy.run("npm", ["test", "-w", "@faultline/chaos", "--", `${names.folder}/.*\\.integration\\.spec\\.ts$`], { FAULTLINE_TEST_TIER: "all" });
    timings["generated integration specs"] = result.ms;
    const output = withoutColors(result.stdout + result.stderr);
    for (const spec of ["manager", "daemon"]) expect(output).toMatch(passed(`${names.folder}/${names.fileBase}-${spec}.integration.spec.ts`));
  }, 10 * minutes);
});
