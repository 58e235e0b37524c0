// Test support: the Faultline workspace copied into a temporary directory, so a test can run the
// generator (and build and test what it made) without touching the working tree it runs from.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface WorkspaceCopy {
  root: string;
  /** The environment every command in the copy runs with (nx without daemon or cloud, its cache inside the copy). */
  env: NodeJS.ProcessEnv;
  /** Runs a command at the copy's root; throws with its output when it fails. */
  run(command: string, args: string[], env?: NodeJS.ProcessEnv): CommandResult;
  /** Paths changed since the copy was made (untracked included), with lines added and removed. */
  changes(): { path: string; added: number; removed: number }[];
  remove(): void;
}

function git(cwd: string, args: string[]): string {
  const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${result.stderr}`);
  return result.stdout;
}

/**
 * Copies the workspace at `source`: the files git tracks, as the working tree has them (so edits
 * not yet committed are in), plus untracked, not ignored files in the folders git tracks files in;
 * a fresh git repository in the copy holds that state, so `changes()` is what came after. With
 * `from: "head"`, the last commit's files instead (`git archive HEAD`).
 * `node_modules` is a directory of symlinks to the original's entries, except `@faultline`, whose
 * entries are relative symlinks to the copy's own workspaces.
 */
export function copyWorkspace(source: string, options: { from?: "worktree" | "head" } = {}): WorkspaceCopy {
  const root = mkdtempSync(join(tmpdir(), "faultline-nx-plugin-"));
  if (options.from === "head") {
    // the last commit only, for a working tree others are changing at the same time
    const archive = spawnSync("sh", ["-c", 'git -C "$1" archive HEAD | tar -x -C "$2"', "sh", source, root]);
    if (archive.status !== 0) throw new Error(`git archive HEAD failed: ${archive.stderr}`);
  } else copyWorkingTree(source, root);
  return finishCopy(source, root);
}

function copyWorkingTree(source: string, root: string): void {
  const tracked = git(source, ["ls-files", "-z", "--cached"]).split("\0").filter(Boolean);
  const topLevel = new Set(tracked.map((path) => path.split("/")[0]));
  const untracked = git(source, ["ls-files", "-z", "--others", "--exclude-standard"])
    .split("\0")
    .filter((path) => path && path.includes("/") && topLevel.has(path.split("/")[0]));
  for (const path of new Set([...tracked, ...untracked])) {
    const from = join(source, path);
    let stat;
    try {
      stat = lstatSync(from);
    } catch {
      continue; // deleted in the working tree
    }
    const to = join(root, path);
    mkdirSync(dirname(to), { recursive: true });
    if (stat.isSymbolicLink()) symlinkSync(readlinkSync(from), to);
    else if (stat.isFile()) copyFileSync(from, to);
  }
}

function finishCopy(source: string, root: string): WorkspaceCopy {

  const modules = join(root, "node_modules");
  mkdirSync(modules);
  for (const entry of readdirSync(join(source, "node_modules"))) {
    if (entry === ".cache" || entry === ".nx") continue; // caches stay the copy's own
    if (entry !== "@faultline") {
      symlinkSync(join(source, "node_modules", entry), join(modules, entry));
      continue;
    }
    mkdirSync(join(modules, entry));
    for (const pkg of readdirSync(join(source, "node_modules", entry))) {
      const link = join(source, "node_modules", entry, pkg);
      const target = resolve(dirname(link), readlinkSync(link)); // the original workspace, e.g. <source>/libs/api
      const inCopy = join(root, relative(source, target));
      if (!existsSync(inCopy)) continue; // a workspace not in the copy
      symlinkSync(relative(join(modules, entry), inCopy), join(modules, entry, pkg));
    }
  }

  const identity = ["-c", "user.name=faultline-test", "-c", "user.email=test@faultline.invalid", "-c", "commit.gpgsign=false"];
  git(root, ["init", "-q", "-b", "main"]);
  git(root, ["add", "-A"]);
  git(root, [...identity, "commit", "-q", "-m", "the workspace as copied"]);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NX_DAEMON: "false",
    NX_NO_CLOUD: "true",
    NX_CACHE_DIRECTORY: join(root, ".nx", "cache"),
    NX_WORKSPACE_DATA_DIRECTORY: join(root, ".nx", "workspace-data"),
    NX_INTERACTIVE: "false",
    // the real parts are the workspace's own (its cluster, its private containerd), never a second
    // set started in the copy on the same ports
    FAULTLINE_CLUSTER_DIR: process.env["FAULTLINE_CLUSTER_DIR"] || join(source, ".cluster"),
    FAULTLINE_RUNTIME_DIR: process.env["FAULTLINE_RUNTIME_DIR"] || join(source, ".runtime"),
  };
  // the test runner's own jest settings are not the copy's
  delete env["JEST_WORKER_ID"];
  delete env["NODE_OPTIONS"];

  return {
    root,
    env,
    run(command, args, extraEnv = {}) {
      const started = Date.now();
      const result = spawnSync(command, args, { cwd: root, env: { ...env, ...extraEnv }, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
      const outcome = { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", ms: Date.now() - started };
      if (result.status !== 0) {
        throw new Error(`${command} ${args.join(" ")} failed in ${root} (${result.error?.message ?? `exit ${result.status}`}):\n${outcome.stdout}\n${outcome.stderr}`);
      }
      return outcome;
    },
    changes() {
      git(root, ["add", "-A"]);
      return git(root, ["diff", "--cached", "--numstat"])
        .split("\n")
        .filter(Boolean)
        .map((line) => {
          const [added, removed, path] = line.split("\t");
          return { path: path!, added: Number(added), removed: Number(removed) };
        });
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
