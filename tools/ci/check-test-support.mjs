// Fails when a package would ship test support: a file under a `testing` folder, a
// `*.test-support.*` file or a spec, in a workspace package's build output (`dist`, which the app
// images copy) or in the file list `npm pack --dry-run` gives for a publishable package. Test
// support lives in the private @faultline/test-ground package (tools/test-ground) or beside the
// specs as `*.test-support.ts`, which every tsconfig.lib.json excludes from the build.
//
//   node tools/ci/check-test-support.mjs [--record] [package dir ...]   (default: every workspace package)
//
// With --record it also writes .test-results/tools_ci_test-support.json for summarize-tests.mjs.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { workspacePackages } from "./check-publish.mjs";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** True for a path (relative, `/`-separated) that is test support or a test. */
export function isTestSupportPath(path) {
  return /(^|\/)testing\//.test(path) || /\.test-support\./.test(path) || /\.spec\./.test(path);
}

function filesUnder(dir, base = dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full, base) : [relative(base, full).split("\\").join("/")];
  });
}

/** The files `npm pack --dry-run` would put in the package's tarball. */
export function packedFiles(packageDir) {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: packageDir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return JSON.parse(out)[0].files.map((f) => f.path);
}

/**
 * The test support a package would ship: `dist/<file>` entries of its build output, and
 * `pack: <file>` entries of its tarball when it is publishable (not `private`).
 */
export function testSupportShippedBy(packageDir) {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const found = filesUnder(join(packageDir, "dist")).filter(isTestSupportPath).map((f) => `dist/${f}`);
  if (!manifest.private) found.push(...packedFiles(packageDir).filter(isTestSupportPath).map((f) => `pack: ${f}`));
  return found;
}

/** Every workspace package but the test ground itself, whose whole purpose is test support. */
export function workspacePackageDirs(root = repoRoot) {
  return workspacePackages(root)
    .filter((pkg) => pkg.manifest.name !== "@faultline/test-ground")
    .map((pkg) => pkg.dir);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const record = args.includes("--record");
  const dirs = args.filter((a) => a !== "--record");
  let passed = 0;
  let failed = 0;
  for (const dir of dirs.length > 0 ? dirs : workspacePackageDirs()) {
    const found = testSupportShippedBy(dir);
    const name = relative(repoRoot, dir) || dir;
    if (found.length === 0) {
      passed++;
    } else {
      failed++;
      console.error(`${name} ships test support (move it to @faultline/test-ground or name it *.test-support.ts):`);
      for (const f of found) console.error(`  ${f}`);
    }
  }
  console.log(`test support check: ${passed} package(s) clean, ${failed} shipping test support`);
  if (record) {
    mkdirSync(join(repoRoot, ".test-results"), { recursive: true });
    writeFileSync(
      join(repoRoot, ".test-results", "tools_ci_test-support.json"),
      JSON.stringify({ project: "tools/ci/test-support", passed, failed, skipped: 0 }) + "\n",
    );
  }
  process.exit(failed > 0 ? 1 : 0);
}
