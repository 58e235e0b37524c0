// Tests of tools/ci/check-publish.mjs on small workspaces in a temporary directory, each shaped like
// Faultline's (libs/*, apps/*, an example outside the workspaces), with real `npm publish --dry-run`.
//   node --test tools/ci/check-publish.test.mjs
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { checkPublish, exportTargets, importedSpecifiers, packageOfSpecifier, tarballHas } from "./check-publish.mjs";

const scratch = mkdtempSync(join(tmpdir(), "faultline-publish-check-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

const exportsOf = (entry) => ({
  ".": { "@faultline/source": `./src/${entry}.ts`, types: `./dist/${entry}.d.ts`, default: `./dist/${entry}.js` },
});

/** The library's manifest in the workspace below. */
const coreManifest = {
  name: "@faultline/core",
  version: "0.1.0",
  license: "Apache-2.0",
  publishConfig: { access: "public" },
  type: "module",
  exports: exportsOf("index"),
  files: ["dist", "README.md"],
  dependencies: { "@sinclair/typebox": "0.34.52" },
};

/** A workspace like Faultline's: @faultline/core (a library), @faultline/app (a CLI over it), and an example that imports the app. */
function workspace(name, change = {}) {
  const root = join(scratch, name);
  const files = {
    "package.json": { name: "root", private: true, workspaces: ["libs/*", "apps/*"] },
    "libs/core/package.json": { ...coreManifest, devDependencies: { "left-pad": "1.3.0" } },
    "libs/core/README.md": "# core\n",
    "libs/core/dist/index.js": 'import { Type } from "@sinclair/typebox";\nexport const core = Type.String();\n',
    "libs/core/dist/index.d.ts": 'export declare const core: import("@sinclair/typebox").TString;\n',
    "apps/app/package.json": {
      name: "@faultline/app",
      version: "0.1.0",
      license: "Apache-2.0",
      publishConfig: { access: "public" },
      type: "module",
      exports: exportsOf("index"),
      bin: { "faultline-app": "dist/main.js" },
      files: ["dist", "README.md"],
      dependencies: { "@faultline/core": "0.1.0" },
    },
    "apps/app/README.md": "# app\n",
    "apps/app/dist/index.js": 'export { core } from "@faultline/core";\nexport const run = () => "from";\n',
    "apps/app/dist/index.d.ts": 'export { core } from "@faultline/core";\nexport declare const run: () => string;\n',
    "apps/app/dist/main.js": '#!/usr/bin/env node\nimport { run } from "./index.js";\nrun();\n',
    "example/package.json": { name: "example", private: true, dependencies: { "@faultline/app": "0.1.0" } },
    "example/main.ts": 'import { run } from "@faultline/app";\nrun();\n',
    ...change,
  };
  for (const [path, content] of Object.entries(files)) {
    if (content === undefined) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === "string" ? content : JSON.stringify(content, null, 2));
  }
  return checkPublish({ root, example: join(root, "example") });
}

/** The workspace's core manifest with some fields replaced. */
const coreWith = (fields) => ({ "libs/core/package.json": { ...coreManifest, ...fields } });

describe("tools/ci/check-publish.mjs", () => {
  it("passes a workspace whose packages an outside project can install", () => {
    const result = workspace("clean");
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.published, ["@faultline/core", "@faultline/app"]);
    assert.deepEqual(result.needed, ["@faultline/app", "@faultline/core"]);
  });

  it("fails when a package the example imports, or one it depends on, is private", () => {
    const app = workspace("private-app", { "apps/app/package.json": { name: "@faultline/app", version: "0.1.0", private: true, dependencies: { "@faultline/core": "0.1.0" } } });
    assert.ok(app.problems.includes("@faultline/app: private, but package.json, main.ts need it: a team outside the repository cannot install it"), app.problems.join("\n"));
    const core = workspace("private-core", coreWith({ private: true }));
    assert.ok(core.problems.includes("@faultline/core: private, but @faultline/app's dependencies needs it: a team outside the repository cannot install it"), core.problems.join("\n"));
    assert.ok(core.problems.includes("@faultline/app: depends on @faultline/core, which is not published (private, or not a workspace package)"), core.problems.join("\n"));
  });

  it("fails when a tarball lacks dist/ or the types its exports name", () => {
    const noDist = workspace("no-dist", { "libs/core/dist/index.js": undefined, "libs/core/dist/index.d.ts": undefined });
    assert.ok(noDist.problems.includes("@faultline/core: its tarball has nothing under dist/ (build first, and list dist in files)"), noDist.problems.join("\n"));
    assert.ok(noDist.problems.includes('@faultline/core: exports["."] (default) → ./dist/index.js, which the tarball does not hold'), noDist.problems.join("\n"));
    const noTypesFile = workspace("no-types-file", { "libs/core/dist/index.d.ts": undefined });
    assert.deepEqual(noTypesFile.problems, ['@faultline/core: exports["."] (types) → ./dist/index.d.ts, which the tarball does not hold']);
    const noTypes = workspace("no-types", coreWith({ exports: { ".": { default: "./dist/index.js" } } }));
    assert.deepEqual(noTypes.problems, ['@faultline/core: exports["."] has no types condition']);
    const typesLast = workspace("types-last", coreWith({ exports: { ".": { default: "./dist/index.js", types: "./dist/index.d.ts" } } }));
    assert.deepEqual(typesLast.problems, ['@faultline/core: exports["."] lists its types condition after a JavaScript target (TypeScript takes the first that matches)']);
    const noFiles = workspace("files-without-dist", coreWith({ files: ["README.md"] }));
    assert.ok(noFiles.problems.includes("@faultline/core: its tarball has nothing under dist/ (build first, and list dist in files)"), noFiles.problems.join("\n"));
  });

  it("fails on a @faultline dependency not at the version published, and on an import its package does not depend on", () => {
    const mismatch = workspace("version-mismatch", {
      "apps/app/package.json": {
        name: "@faultline/app", version: "0.1.0", license: "Apache-2.0", publishConfig: { access: "public" }, type: "module",
        exports: exportsOf("index"), bin: { "faultline-app": "dist/main.js" }, files: ["dist", "README.md"], dependencies: { "@faultline/core": "^0.1.0" },
      },
    });
    assert.deepEqual(mismatch.problems, ["@faultline/app: depends on @faultline/core ^0.1.0, but 0.1.0 is the version published (depend on it exactly)"]);
    const undeclared = workspace("undeclared-import", { "libs/core/dist/index.js": 'import pad from "left-pad";\nimport "winston/lib/x.js";\nexport const core = pad("a", 2);\n' });
    assert.deepEqual(undeclared.problems, [
      "@faultline/core: imports left-pad (dist/index.js) without depending on it (a devDependency is not installed for a consumer)",
      "@faultline/core: imports winston (dist/index.js) without depending on it",
    ]);
  });

  it("fails on a bin without a node shebang, a missing license or access, and what npm auto-corrects", () => {
    const shebang = workspace("no-shebang", { "apps/app/dist/main.js": 'import { run } from "./index.js";\nrun();\n' });
    assert.deepEqual(shebang.problems, ['@faultline/app: bin faultline-app → dist/main.js does not start with "#!/usr/bin/env node"']);
    const restricted = workspace("restricted", coreWith({ license: undefined, publishConfig: undefined }));
    assert.deepEqual(restricted.problems, ["@faultline/core: no license", '@faultline/core: publishConfig.access is not "public" (a scoped package is published restricted without it)']);
    const corrected = workspace("auto-corrected", {
      "apps/app/package.json": {
        name: "@faultline/app", version: "0.1.0", license: "Apache-2.0", publishConfig: { access: "public" }, type: "module",
        exports: exportsOf("index"), bin: { "faultline-app": "./dist/main.js" }, files: ["dist", "README.md"], dependencies: { "@faultline/core": "0.1.0" },
      },
    });
    assert.equal(corrected.problems.length, 1, corrected.problems.join("\n"));
    assert.match(corrected.problems[0], /^npm auto-corrected a manifest when publishing: "bin\[faultline-app\]" script name dist\/main\.js/);
  });

  it("fails when the example asks for a version that is not the one published", () => {
    const result = workspace("example-version", { "example/package.json": { name: "example", private: true, dependencies: { "@faultline/app": "0.0.9" } } });
    assert.deepEqual(result.problems, ["example/package.json: asks for @faultline/app 0.0.9, but 0.1.0 is the version published"]);
  });
});

describe("check-publish's parts", () => {
  it("reads import and export statements, side-effect and dynamic imports, never strings or comments", () => {
    const source = [
      'import { a } from "pkg-a";',
      'import type { B } from "@scope/b/sub";',
      "import def, {",
      "  c,",
      '} from "pkg-c";',
      'import * as d from "node:fs";',
      'export * from "./local.js";',
      'export { e } from "pkg-e";',
      'import "pkg-f";',
      'export declare const g: import("pkg-g").G;',
      '// import { x } from "commented-out";',
      '/** import { y } from "in-a-doc-comment"; */',
      'export const directions = ["to", "from", "both"];',
      "export const text = 'anything from \"@\" on';",
    ].join("\n");
    assert.deepEqual(importedSpecifiers(source).sort(), ["./local.js", "@scope/b/sub", "node:fs", "pkg-a", "pkg-c", "pkg-e", "pkg-f", "pkg-g"]);
    assert.deepEqual(
      ["@scope/b/sub", "pkg-a/x.js", "node:fs", "fs", "./x.js", "#internal"].map(packageOfSpecifier),
      ["@scope/b", "pkg-a", undefined, undefined, undefined, undefined],
    );
  });

  it("walks exports maps and matches their patterns against a tarball's files", () => {
    const leaves = exportTargets({ ".": { types: "./dist/index.d.ts", default: "./dist/index.js" }, "./crds/*": "./crds/*" });
    assert.deepEqual(leaves, [
      { subpath: ".", conditions: ["types"], target: "./dist/index.d.ts" },
      { subpath: ".", conditions: ["default"], target: "./dist/index.js" },
      { subpath: "./crds/*", conditions: [], target: "./crds/*" },
    ]);
    assert.equal(tarballHas(["dist/a/index.js"], "./dist/*/index.js"), true);
    assert.equal(tarballHas(["dist/index.js"], "./dist/*/index.js"), false);
    assert.equal(tarballHas(["crds/x.yaml"], "./crds/*"), true);
  });
});
