// Keeps the architecture the README states: the "## Layers" section lists Faultline's libraries
// and apps in layers, from the bottom, and
//   - a package (libs/*, apps/*) imports, and depends on (package.json), only packages of its own
//     layer or below: never one above it;
//   - every package under libs/ and apps/ has its place in that list;
//   - an app's sources compose kinds but hold no chaos logic: no kind is defined in an app (no
//     defineChaosKind / defineChaosCrd / defineResourceCrd call, no ChaosImpl, DaemonKindDeps or
//     DaemonHandlers; building the ManagerKindDeps every kind gets is wiring), so a kind written
//     in an app fails here; it belongs in
//     libs/chaos/<kind>/ or a package of its own.
// Every source file of a package is read (TypeScript and JavaScript, tests and scripts included;
// dist and node_modules left out), with comments stripped.
//
//   node tools/ci/check-architecture.mjs        (exit 1 and one line per problem when it fails)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { importedSpecifiers, packageOfSpecifier } from "./check-publish.mjs";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");

/** The folders whose packages take part: libraries and apps. */
export const layeredFolders = ["libs", "apps"];

/** What defines a kind or its parts: an app that names one of these holds chaos logic. */
export const chaosLogicNames = ["defineChaosKind", "defineChaosCrd", "defineResourceCrd", "ChaosImpl", "ChaosImplContext", "DaemonKindDeps", "DaemonHandlers"];

const sourceFile = /\.(ts|mts|cts|js|mjs|cjs)$/;
const skippedDirs = new Set(["node_modules", "dist", "coverage", ".nx"]);
const dependencyFields = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

/**
 * The layers of the README's "## Layers" section, from the bottom: one numbered line per layer,
 * each naming its packages in backticks (`@faultline/api`).
 */
export function readLayers(readme) {
  const section = /^## Layers\s*$([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1];
  if (section === undefined) throw new Error('the README has no "## Layers" section');
  const layers = section
    .split("\n")
    .filter((line) => /^\d+\.\s/.test(line))
    .map((line) => [...line.matchAll(/`(@faultline\/[a-z0-9-]+)`/g)].map((m) => m[1]));
  if (layers.length === 0 || layers.some((names) => names.length === 0)) throw new Error('the README\'s "## Layers" section needs numbered lines, each naming packages in backticks');
  return layers;
}

/** Source files under `dir` (relative to it, `/`-separated), without dist and node_modules. */
function sourceFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return skippedDirs.has(entry.name) ? [] : sourceFiles(full, base);
    return sourceFile.test(entry.name) && !entry.name.endsWith(".d.ts") ? [relative(base, full).split("\\").join("/")] : [];
  });
}

/** The chaos-logic names a source file uses (comments and strings left out). */
export function chaosLogicIn(source) {
  const code = source
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:])\/\/.*$/gm, "$1")
    .replace(/(["'`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');
  return chaosLogicNames.filter((name) => new RegExp(`\\b${name}\\b`).test(code));
}

/** The packages of libs/* and apps/* under `root`, as { dir (relative), name, manifest, app }. */
export function layeredPackages(root = repoRoot) {
  return layeredFolders.flatMap((folder) =>
    existsSync(join(root, folder))
      ? readdirSync(join(root, folder), { withFileTypes: true })
          .filter((e) => e.isDirectory() && existsSync(join(root, folder, e.name, "package.json")))
          .map((e) => {
            const manifest = JSON.parse(readFileSync(join(root, folder, e.name, "package.json"), "utf8"));
            return { dir: `${folder}/${e.name}`, name: manifest.name, manifest, app: folder === "apps" };
          })
      : [],
  );
}

/**
 * Every way `root` breaks the README's layers, one sentence each naming the packages and the
 * file: an upward import or dependency, a package the layers leave out, chaos logic in an app.
 */
export function checkArchitecture({ root = repoRoot } = {}) {
  const layers = readLayers(readFileSync(join(root, "README.md"), "utf8"));
  const layerOf = new Map(layers.flatMap((names, index) => names.map((name) => [name, index])));
  const packages = layeredPackages(root);
  const problems = [];
  const upward = (from, to, where) => {
    const [fromLayer, toLayer] = [layerOf.get(from), layerOf.get(to)];
    if (fromLayer === undefined || toLayer === undefined || toLayer <= fromLayer) return;
    problems.push(`${from} (layer ${fromLayer + 1}) ${where} ${to} (layer ${toLayer + 1}), a layer above it: a package uses only its own layer and those below (README, "Layers")`);
  };
  for (const { dir, name, manifest, app } of packages) {
    if (!layerOf.has(name)) {
      problems.push(`${name} (${dir}) has no place in the README's "Layers": add it to the layer it belongs to`);
      continue;
    }
    for (const field of dependencyFields) {
      for (const dependency of Object.keys(manifest[field] ?? {})) upward(name, dependency, `lists in ${dir}/package.json ${field}`);
    }
    for (const file of sourceFiles(join(root, dir))) {
      const source = readFileSync(join(root, dir, file), "utf8");
      for (const specifier of importedSpecifiers(source)) {
        const target = packageOfSpecifier(specifier);
        if (target && target !== name) upward(name, target, `imports in ${dir}/${file}`);
      }
      if (app) {
        const found = chaosLogicIn(source);
        if (found.length > 0) {
          problems.push(`${name}: ${dir}/${file} holds chaos logic (${found.join(", ")}): an app composes kinds, a kind lives in libs/chaos/<kind>/ or a package of its own`);
        }
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkArchitecture();
  for (const problem of problems) console.error(problem);
  console.log(problems.length === 0 ? "architecture: every import and dependency follows the README's layers" : `architecture: ${problems.length} problem(s)`);
  process.exit(problems.length === 0 ? 0 : 1);
}
