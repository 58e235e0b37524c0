// Fails when a package a team outside the repository needs could not be installed from the
// registry as the README's extension story promises (tools/out-of-tree-kind is that story, tested).
//
//   node tools/ci/check-publish.mjs            (after the build: the tarballs hold dist/)
//
// The packages the example imports (tools/out-of-tree-kind/scratch: its package.json and its
// sources' @faultline imports), and every @faultline package they depend on, must be public. Every
// public workspace package goes through `npm publish --dry-run` (all of them in one call, `--offline`
// so npm makes no registry request: a dry run needs no login, only its "is this version already
// published" look-up reaches the registry, and offline it is skipped), and then its tarball's file
// list and its manifest must hold:
//   - a license, `publishConfig.access: public` (a scoped package publishes restricted otherwise),
//     README.md and files under dist/;
//   - `exports` whose JavaScript entries each carry a `types` condition listed before them, and
//     every target in the tarball (the workspace-only `@faultline/source` condition points at
//     sources that are never packed: Node, TypeScript and bundlers ignore a condition nobody names);
//   - `main`, `types` and `bin` targets in the tarball, each bin starting with a node shebang;
//   - @faultline dependencies at the exact version of a package in the published set;
//   - every package the packed JavaScript and declarations import declared as a dependency
//     (a devDependency is not installed for a consumer);
//   - nothing npm had to auto-correct when publishing (it rewrites such fields silently).
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** The workspace-only export condition that resolves to TypeScript sources inside the repository. */
export const sourceCondition = "@faultline/source";
const exampleDir = "tools/out-of-tree-kind/scratch";

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));

/** Every workspace package of the root package.json's `workspaces`, as { dir, manifest }. */
export function workspacePackages(root = repoRoot) {
  const { workspaces = [] } = readJson(join(root, "package.json"));
  return workspaces
    .flatMap((pattern) =>
      pattern.endsWith("/*")
        ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
            .filter((e) => e.isDirectory())
            .map((e) => join(root, pattern.slice(0, -2), e.name))
        : [join(root, pattern)],
    )
    .filter((dir) => existsSync(join(dir, "package.json")))
    .map((dir) => ({ dir, manifest: readJson(join(dir, "package.json")) }));
}

/** The package name a bare import specifier names (`@scope/name/sub` → `@scope/name`), or undefined for a relative or built-in one. */
export function packageOfSpecifier(specifier) {
  if (specifier.startsWith(".") || specifier.startsWith("/") || specifier.startsWith("node:") || specifier.startsWith("#")) return undefined;
  const name = specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
  return builtinModules.includes(name) ? undefined : name;
}

/** Import and re-export statements, side-effect imports, and `import("…")` (declarations use it for types). */
const importForms = [
  /^\s*import\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?(?:\{[^}]*\}|\*\s*as\s+[\w$]+|[\w$]+)\s*from\s*["']([^"'\n]+)["']/gm,
  /^\s*export\s+(?:type\s+)?(?:\*(?:\s*as\s+[\w$]+)?|\{[^}]*\})\s*from\s*["']([^"'\n]+)["']/gm,
  /^\s*import\s*["']([^"'\n]+)["']/gm,
  /\bimport\(\s*["']([^"'\n]+)["']\s*\)/g,
];

/** The module specifiers a JavaScript or declaration file imports (comments left out). */
export function importedSpecifiers(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const found = new Set();
  for (const form of importForms) for (const match of code.matchAll(form)) found.add(match[1]);
  return [...found];
}

/** The example's @faultline packages: its package.json's dependencies and its sources' imports, each with where it came from. */
export function examplePackages(dir) {
  const needs = new Map();
  const add = (name, from) => needs.set(name, [...(needs.get(name) ?? []), from]);
  if (existsSync(join(dir, "package.json"))) {
    for (const name of Object.keys(readJson(join(dir, "package.json")).dependencies ?? {})) if (name.startsWith("@faultline/")) add(name, "package.json");
  }
  for (const file of readdirSync(dir).filter((f) => /\.(ts|mts|mjs|js)$/.test(f) && !f.endsWith(".d.ts"))) {
    for (const specifier of importedSpecifiers(readFileSync(join(dir, file), "utf8"))) {
      const name = packageOfSpecifier(specifier);
      if (name?.startsWith("@faultline/")) add(name, file);
    }
  }
  return needs;
}

/** Every leaf of an `exports` map: { subpath, conditions (outermost first), target }. */
export function exportTargets(exportsField) {
  const leaves = [];
  const walk = (value, subpath, conditions) => {
    if (typeof value === "string") leaves.push({ subpath, conditions, target: value });
    else if (Array.isArray(value)) value.forEach((v) => walk(v, subpath, conditions));
    else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        if (key.startsWith(".")) walk(inner, key, conditions);
        else walk(inner, subpath, [...conditions, key]);
      }
    }
  };
  if (typeof exportsField === "string") leaves.push({ subpath: ".", conditions: [], target: exportsField });
  else walk(exportsField ?? {}, ".", []);
  return leaves;
}

/** Whether a tarball holding `files` has what `target` (a path or a `*` pattern, `./`-relative) names. */
export function tarballHas(files, target) {
  const path = target.replace(/^\.\//, "");
  if (!path.includes("*")) return files.includes(path);
  const pattern = new RegExp(`^${path.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".+")}$`);
  return files.some((f) => pattern.test(f));
}

/**
 * The problems of one public package, given its manifest, its folder, the files its tarball holds
 * and the versions of the packages being published (name → version).
 */
export function manifestProblems(manifest, dir, files, published) {
  const problems = [];
  const say = (text) => problems.push(`${manifest.name}: ${text}`);
  if (!manifest.license) say("no license");
  if (manifest.name.startsWith("@") && manifest.publishConfig?.access !== "public") {
    say('publishConfig.access is not "public" (a scoped package is published restricted without it)');
  }
  if (!files.includes("README.md")) say("its tarball has no README.md");
  if (!files.some((f) => f.startsWith("dist/"))) say("its tarball has nothing under dist/ (build first, and list dist in files)");

  if (manifest.exports === undefined) say("no exports");
  const bySubpath = new Map();
  for (const leaf of exportTargets(manifest.exports)) bySubpath.set(leaf.subpath, [...(bySubpath.get(leaf.subpath) ?? []), leaf]);
  for (const [subpath, leaves] of bySubpath) {
    const shipped = leaves.filter((l) => !l.conditions.includes(sourceCondition));
    for (const leaf of shipped) {
      if (!tarballHas(files, leaf.target)) say(`exports["${subpath}"] (${leaf.conditions.join(" > ") || "default"}) → ${leaf.target}, which the tarball does not hold`);
    }
    const code = shipped.filter((l) => /\.(m|c)?js$/.test(l.target));
    if (code.length === 0) continue;
    const types = shipped.findIndex((l) => l.conditions.includes("types"));
    if (types < 0) say(`exports["${subpath}"] has no types condition`);
    else if (shipped.findIndex((l) => /\.(m|c)?js$/.test(l.target)) < types) say(`exports["${subpath}"] lists its types condition after a JavaScript target (TypeScript takes the first that matches)`);
  }
  for (const field of ["main", "types"]) {
    if (manifest[field] !== undefined && !tarballHas(files, manifest[field])) say(`${field} → ${manifest[field]}, which the tarball does not hold`);
  }
  const bins = typeof manifest.bin === "string" ? { [manifest.name.split("/").pop()]: manifest.bin } : (manifest.bin ?? {});
  for (const [name, target] of Object.entries(bins)) {
    if (!tarballHas(files, target)) say(`bin ${name} → ${target}, which the tarball does not hold`);
    else if (!readFileSync(join(dir, target), "utf8").startsWith("#!/usr/bin/env node")) say(`bin ${name} → ${target} does not start with "#!/usr/bin/env node"`);
  }

  const runtime = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
  for (const [dep, wanted] of Object.entries(runtime)) {
    if (!dep.startsWith("@faultline/")) continue;
    if (!published.has(dep)) say(`depends on ${dep}, which is not published (private, or not a workspace package)`);
    else if (wanted !== published.get(dep)) say(`depends on ${dep} ${wanted}, but ${published.get(dep)} is the version published (depend on it exactly)`);
  }
  const undeclared = new Map();
  for (const file of files.filter((f) => /\.(m|c)?js$|\.d\.(m|c)?ts$/.test(f))) {
    for (const specifier of importedSpecifiers(readFileSync(join(dir, file), "utf8"))) {
      const name = packageOfSpecifier(specifier);
      if (name === undefined || name === manifest.name || name in runtime) continue;
      undeclared.set(name, [...(undeclared.get(name) ?? []), file]);
    }
  }
  for (const [name, where] of undeclared) {
    say(`imports ${name} (${where.slice(0, 3).join(", ")}${where.length > 3 ? ", …" : ""}) without depending on it${manifest.devDependencies?.[name] ? " (a devDependency is not installed for a consumer)" : ""}`);
  }
  return problems;
}

/**
 * `npm publish --dry-run --offline --json` over the named workspaces, from `root`: the tarball's
 * file list per package name, and what npm auto-corrected in the manifests (its warnings).
 */
export function dryRunPublish(root, names) {
  const args = ["publish", "--dry-run", "--offline", "--json", "--ignore-scripts", ...names.flatMap((n) => ["-w", n])];
  const run = spawnSync("npm", args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${run.error?.message ?? `exit ${run.status}`}):\n${run.stderr}`);
  const files = new Map();
  for (const entry of Object.values(JSON.parse(run.stdout))) files.set(entry.name, entry.files.map((f) => f.path));
  // "npm warn publish errors corrected:" then one `npm warn publish <what>` line per correction
  const corrected = [];
  let inCorrections = false;
  for (const line of run.stderr.split("\n")) {
    const text = line.replace(/^npm warn publish /, "");
    if (/errors corrected:/.test(line)) inCorrections = true;
    else if (inCorrections && line.startsWith("npm warn publish ") && !/logged in|auto-corrected/.test(line)) corrected.push(text);
    else inCorrections = false;
  }
  return { files, corrected };
}

/** Checks the workspace at `root`; returns { published: [names], problems: [text] }. */
export function checkPublish({ root = repoRoot, example = join(root, exampleDir) } = {}) {
  const packages = workspacePackages(root);
  const byName = new Map(packages.map((p) => [p.manifest.name, p]));
  const publicPackages = packages.filter((p) => !p.manifest.private);
  const published = new Map(publicPackages.map((p) => [p.manifest.name, p.manifest.version]));
  const problems = [];

  // what the example needs, and what that depends on at run time, must be public
  const needed = new Map(examplePackages(example));
  const queue = [...needed.keys()];
  while (queue.length > 0) {
    const name = queue.shift();
    const pkg = byName.get(name);
    if (!pkg) {
      problems.push(`${name}: the example (${relative(root, example)}) needs it, but it is not a workspace package`);
      continue;
    }
    if (pkg.manifest.private) {
      problems.push(`${name}: private, but ${needed.get(name).join(", ")} need${needed.get(name).length === 1 ? "s" : ""} it: a team outside the repository cannot install it`);
    }
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) {
      if (!dep.startsWith("@faultline/") || needed.has(dep)) continue;
      needed.set(dep, [`${name}'s dependencies`]);
      queue.push(dep);
    }
  }
  // the example asks for the versions being published
  const exampleManifest = join(example, "package.json");
  if (existsSync(exampleManifest)) {
    for (const [dep, wanted] of Object.entries(readJson(exampleManifest).dependencies ?? {})) {
      if (published.has(dep) && wanted !== published.get(dep)) {
        problems.push(`${relative(root, exampleManifest)}: asks for ${dep} ${wanted}, but ${published.get(dep)} is the version published`);
      }
    }
  }

  if (publicPackages.length > 0) {
    const { files, corrected } = dryRunPublish(root, publicPackages.map((p) => p.manifest.name));
    for (const correction of corrected) problems.push(`npm auto-corrected a manifest when publishing: ${correction} (npm pkg fix shows how)`);
    for (const pkg of publicPackages) {
      const packed = files.get(pkg.manifest.name);
      if (!packed) {
        problems.push(`${pkg.manifest.name}: npm publish --dry-run did not pack it`);
        continue;
      }
      problems.push(...manifestProblems(pkg.manifest, pkg.dir, packed, published));
    }
  }
  return { published: [...published.keys()], needed: [...needed.keys()].sort(), problems };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { published, needed, problems } = checkPublish();
  for (const problem of problems) console.error(`publish check: ${problem}`);
  console.log(`publish check: ${published.length} public package(s) dry-run published; the example needs ${needed.length} (${needed.join(", ")}); ${problems.length} problem(s)`);
  process.exit(problems.length > 0 ? 1 : 0);
}
