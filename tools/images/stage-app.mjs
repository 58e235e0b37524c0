#!/usr/bin/env node
// tools/images/stage-app.mjs <app-dir> <out-dir>
//
// Stages one app of the monorepo for a container image, the same way in the Dockerfiles and in
// tools/images/build.sh (so both produce the same /app tree):
//   out/package.json, out/package-lock.json     the root manifest and lock, unchanged
//   out/<ws>/package.json                       every workspace's manifest (npm ci checks them against the lock)
//   out/<ws>/<files entries>                    the built files ("files" field: dist, crds, ...) of the app
//                                               and of the workspaces it depends on, transitively;
//                                               without *.d.ts, *.d.ts.map, *.tsbuildinfo, nor stale
//                                               dist files whose source is gone (see `stale`; a web
//                                               bundle such as the dashboard's dist/ui is kept whole)
//   out/node_modules                            `npm ci --omit=dev --workspace <app>`: production deps only,
//                                               and relative symlinks to the staged workspaces
// Needs the workspaces already built (dist present). Runs with Node >= 20 and the npm on PATH.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const [appArg, outArg] = process.argv.slice(2);
if (!appArg || !outArg) {
  console.error('usage: stage-app.mjs <app-dir, e.g. apps/manager> <out-dir>');
  process.exit(2);
}
const fail = (msg) => {
  console.error(`[stage-app] error: ${msg}`);
  process.exit(1);
};
const repo = resolve(new URL('../..', import.meta.url).pathname);
const out = resolve(outArg);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const root = readJson(join(repo, 'package.json'));

// workspace patterns are "dir" or "dir/*" (no deeper globs in this repo)
const workspaces = [];
for (const pattern of root.workspaces ?? []) {
  const dirs = pattern.endsWith('/*')
    ? readdirSync(join(repo, pattern.slice(0, -2)), { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(pattern.slice(0, -2), e.name))
    : [pattern];
  for (const dir of dirs) {
    if (existsSync(join(repo, dir, 'package.json'))) workspaces.push(dir);
  }
}
const byName = new Map(workspaces.map((dir) => [readJson(join(repo, dir, 'package.json')).name, dir]));
const appDir = relative(repo, resolve(repo, appArg));
if (!workspaces.includes(appDir)) fail(`${appArg} is not a workspace of ${repo}`);

// the app and the workspaces it needs at run time (dependencies, not devDependencies)
const needed = new Set();
const visit = (dir) => {
  if (needed.has(dir)) return;
  needed.add(dir);
  for (const dep of Object.keys(readJson(join(repo, dir, 'package.json')).dependencies ?? {})) {
    if (byName.has(dep)) visit(byName.get(dep));
  }
};
visit(appDir);

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(join(repo, 'package.json'), join(out, 'package.json'));
cpSync(join(repo, 'package-lock.json'), join(out, 'package-lock.json'));
// tsc -b never deletes the output of a deleted source: a dist/<p>.js whose src/<p>.ts is gone is
// left over from an earlier build, and a clean build (the Dockerfiles') would not have it
// A bundler's output (a dist directory holding an index.html: the dashboard's dist/ui, Vite's build)
// has no one-to-one sources and is emptied by every build: it is never stale.
let staleCount = 0;
const bundled = (dir, rel) => {
  const top = rel.split('/')[0];
  return rel.includes('/') && existsSync(join(repo, dir, 'dist', top, 'index.html'));
};
const stale = (dir, path) => {
  const rel = relative(join(repo, dir, 'dist'), path);
  const m = /^(.*)\.([cm]?js)(\.map)?$/.exec(rel);
  if (rel.startsWith('..') || !m || bundled(dir, rel)) return false;
  // sources under src/, or beside package.json for a package built from its root (libs/chaos)
  const sourceRoot = existsSync(join(repo, dir, 'src')) ? join(repo, dir, 'src') : join(repo, dir);
  const sources = { js: ['ts', 'tsx', 'js'], mjs: ['mts', 'mjs'], cjs: ['cts', 'cjs'] }[m[2]];
  if (sources.some((ext) => existsSync(join(sourceRoot, `${m[1]}.${ext}`)))) return false;
  staleCount++;
  return true;
};
const dropped = (path) => /\.d\.[cm]?ts$|\.d\.[cm]?ts\.map$|\.tsbuildinfo$/.test(path);
for (const dir of workspaces) {
  mkdirSync(join(out, dir), { recursive: true });
  const manifest = readJson(join(repo, dir, 'package.json'));
  writeFileSync(join(out, dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (!needed.has(dir)) continue;
  if (!existsSync(join(repo, dir, 'dist'))) fail(`${dir}/dist is missing: build it first (npx nx run-many -t build)`);
  for (const entry of manifest.files ?? ['dist']) {
    const src = join(repo, dir, entry);
    if (!existsSync(src)) continue;
    cpSync(src, join(out, dir, entry), {
      recursive: true,
      filter: (path) => statSync(path).isDirectory() || (!dropped(path) && !stale(dir, path)),
    });
  }
}
console.error(
  `[stage-app] ${appDir}: ${needed.size} workspaces staged (${[...needed].join(', ')})` +
    (staleCount ? `; left out ${staleCount} stale dist files whose source no longer exists` : ''),
);

// production dependencies of the app only; no lifecycle scripts (none of them need one)
const npmArgs = ['ci', '--omit=dev', `--workspace=${appDir}`, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=warn'];
try {
  execFileSync('npm', npmArgs, { cwd: out, stdio: ['ignore', 'inherit', 'inherit'] });
} catch {
  fail(`npm ${npmArgs.join(' ')} failed in ${out}`);
}
// npm's own bookkeeping is not needed at run time, nor are links to workspaces the app does not use
rmSync(join(out, 'node_modules', '.package-lock.json'), { force: true });
for (const [name, dir] of byName) {
  if (!needed.has(dir)) rmSync(join(out, 'node_modules', name), { force: true });
}
// type declarations and source maps of the dependencies: about half of node_modules, unused at run time
let prunedBytes = 0;
const prune = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) prune(path);
    else if (entry.isFile() && /\.d\.[cm]?ts$|\.map$/.test(entry.name)) {
      prunedBytes += statSync(path).size;
      rmSync(path);
    }
  }
};
prune(join(out, 'node_modules'));
console.error(`[stage-app] pruned ${(prunedBytes / 2 ** 20).toFixed(1)} MiB of .d.ts and .map files from node_modules`);
const names = new Map([...byName].map(([name, dir]) => [dir, name]));
for (const dir of needed) {
  if (dir !== appDir && !existsSync(join(out, 'node_modules', names.get(dir), 'package.json'))) {
    fail(`npm ci did not link ${names.get(dir)} into node_modules`);
  }
}
console.error(`[stage-app] ${appDir}: npm ci --omit=dev done`);
