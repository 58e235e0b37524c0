// Tests of tools/ci/check-architecture.mjs: the repository itself follows the README's layers, and
// small workspaces shaped like it (README "## Layers", libs/*, apps/*) in a temporary directory
// show each rule failing, naming what broke it.
//   node --test tools/ci/check-architecture.test.mjs      (npm run test:unit and npm test run it)
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { checkArchitecture, chaosLogicIn, readLayers } from "./check-architecture.mjs";

const scratch = mkdtempSync(join(tmpdir(), "faultline-architecture-check-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const readme = `# Example

## Layers

1. \`@faultline/api\`: the bottom
2. \`@faultline/selector\`, \`@faultline/controller\`
3. \`@faultline/chaos\`: the kinds
4. \`@faultline/schedule\`: orchestration
5. \`@faultline/manager\`: the app

## Next section
`;

let workspaces = 0;
/** A workspace: the README above and { "libs/x/package.json": {...} | "libs/x/src/y.ts": "..." }. */
function workspace(files) {
  const root = join(scratch, `w${workspaces++}`);
  const all = {
    "README.md": readme,
    "libs/api/package.json": { name: "@faultline/api" },
    "libs/api/src/index.ts": "export const chaosGroup = \"chaos-mesh.org\";\n",
    "libs/selector/package.json": { name: "@faultline/selector", dependencies: { "@faultline/api": "0.1.0" }, devDependencies: { "@faultline/controller": "0.1.0" } },
    "libs/selector/src/index.ts": 'import { chaosGroup } from "@faultline/api";\nimport type { Logger } from "@faultline/controller";\n',
    "libs/controller/package.json": { name: "@faultline/controller" },
    "libs/chaos/package.json": { name: "@faultline/chaos", dependencies: { "@faultline/api": "0.1.0", "@faultline/selector": "0.1.0" } },
    "libs/chaos/pod/pod-chaos.ts": 'import { defineChaosKind } from "@faultline/chaos-kind";\nimport { selectPods } from "@faultline/selector";\nexport const podChaos = defineChaosKind({});\n',
    "libs/schedule/package.json": { name: "@faultline/schedule", dependencies: { "@faultline/api": "0.1.0" } },
    "libs/schedule/src/index.ts": 'export * from "./schedule.js";\n',
    "apps/manager/package.json": { name: "@faultline/manager", dependencies: { "@faultline/chaos": "0.1.0", "@faultline/schedule": "0.1.0" } },
    "apps/manager/src/run-manager.ts": 'import { builtInChaosKinds } from "@faultline/chaos";\n// a comment may name defineChaosKind and import("@faultline/nothing")\nexport const kinds = [...builtInChaosKinds];\n',
    "apps/manager/dist/run-manager.js": 'import { schedule } from "@faultline/schedule";\n',
    ...files,
  };
  for (const [path, content] of Object.entries(all)) {
    if (content === undefined) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === "string" ? content : JSON.stringify(content));
  }
  return root;
}

describe("the repository", () => {
  it("follows the README's layers: no upward import or dependency, every library placed, no chaos logic in an app", () => {
    assert.deepEqual(checkArchitecture(), []);
  });
});

describe("checkArchitecture", () => {
  it("passes a workspace whose imports go down or sideways (comments, dist and its own name ignored)", () => {
    assert.deepEqual(checkArchitecture({ root: workspace({}) }), []);
  });

  it("fails on a library that imports one above it, naming both, their layers and the file", () => {
    const root = workspace({ "libs/chaos/manager-crds.ts": 'import { scheduleCrd } from "@faultline/schedule";\n' });
    const problems = checkArchitecture({ root });
    assert.equal(problems.length, 1);
    assert.match(problems[0], /^@faultline\/chaos \(layer 3\) imports in libs\/chaos\/manager-crds\.ts @faultline\/schedule \(layer 4\), a layer above it/);
  });

  it("catches every import form: type-only, re-export, side effect, dynamic, a subpath", () => {
    for (const line of [
      'import type { Schedule } from "@faultline/schedule";',
      'export { scheduleCrd } from "@faultline/schedule";',
      'export * from "@faultline/schedule";',
      'import "@faultline/schedule";',
      'const m = await import("@faultline/schedule");',
      'import { cron } from "@faultline/schedule/cron";',
    ]) {
      const problems = checkArchitecture({ root: workspace({ "libs/api/src/up.ts": `${line}\n` }) });
      assert.equal(problems.length, 1, line);
      assert.match(problems[0], /@faultline\/api \(layer 1\) imports in libs\/api\/src\/up\.ts @faultline\/schedule \(layer 4\)/, line);
    }
  });

  it("fails on an upward package.json dependency, devDependencies too", () => {
    const root = workspace({ "libs/selector/package.json": { name: "@faultline/selector", devDependencies: { "@faultline/chaos": "0.1.0" } } });
    assert.deepEqual(checkArchitecture({ root }), [
      '@faultline/selector (layer 2) lists in libs/selector/package.json devDependencies @faultline/chaos (layer 3), a layer above it: a package uses only its own layer and those below (README, "Layers")',
    ]);
  });

  it("fails on a library the README's layers leave out", () => {
    const root = workspace({ "libs/newcomer/package.json": { name: "@faultline/newcomer" } });
    assert.deepEqual(checkArchitecture({ root }), [`@faultline/newcomer (libs/newcomer) has no place in the README's "Layers": add it to the layer it belongs to`]);
  });

  it("fails on a kind written in an app, naming the file and what defines it", () => {
    const root = workspace({
      "apps/manager/src/disk-fill-chaos.ts": 'import { defineChaosKind } from "@faultline/chaos-kind";\nimport type { ChaosImpl } from "@faultline/impl-registry";\nexport const diskFill = defineChaosKind({ manager: () => ({}) as ChaosImpl });\n',
    });
    assert.deepEqual(checkArchitecture({ root }), [
      "@faultline/manager: apps/manager/src/disk-fill-chaos.ts holds chaos logic (defineChaosKind, ChaosImpl): an app composes kinds, a kind lives in libs/chaos/<kind>/ or a package of its own",
    ]);
  });
});

describe("readLayers", () => {
  it("reads the numbered lines of the section, from the bottom", () => {
    assert.deepEqual(readLayers(readme), [["@faultline/api"], ["@faultline/selector", "@faultline/controller"], ["@faultline/chaos"], ["@faultline/schedule"], ["@faultline/manager"]]);
  });

  it("refuses a README without the section", () => {
    assert.throws(() => readLayers("# Example\n"), /no "## Layers" section/);
  });
});

describe("chaosLogicIn", () => {
  it("finds the names in code, not in comments or strings", () => {
    assert.deepEqual(chaosLogicIn('// defineChaosKind\n/* ChaosImpl */\nconst s = "DaemonHandlers";\n'), []);
    assert.deepEqual(chaosLogicIn("const handlers: DaemonHandlers = {};\n"), ["DaemonHandlers"]);
    assert.deepEqual(chaosLogicIn('import { registerDaemonHandlers } from "@faultline/chaos-kind";\n'), []);
  });
});
