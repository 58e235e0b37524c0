import { execFile, spawn } from "node:child_process";
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { defaultHostPaths, joinCgroup, type CgroupTarget, type HostPaths } from "./cgroup-target.js";

/**
 * The environment variables that mark every process of a stressor (the gate, nsenter and the
 * stress-ng parent keep them; stress-ng's workers overwrite theirs with their titles, and are
 * found as the parent's descendants). They survive a daemon restart: the processes carry them.
 * `FAULTLINE_STRESS_MAC` binds the other three to the daemon's secret ({@link markerMac}): any
 * process can set the names, only the daemon can make the MAC, and a process without the right
 * one is nobody's stressor (not "already running", never killed).
 */
export const stressMarkers = { key: "FAULTLINE_STRESS_KEY", uid: "FAULTLINE_STRESS_UID", part: "FAULTLINE_STRESS_PART", mac: "FAULTLINE_STRESS_MAC" } as const;

/** The MAC a stressor's markers carry: HMAC-SHA256 of key, uid and part under the daemon's secret, hex. */
export function markerMac(secret: Buffer, key: string, uid: string, part: string): string {
  return createHmac("sha256", secret).update(`${key}\n${uid}\n${part}`).digest("hex");
}

/**
 * The daemon's marker secret: 32 random bytes in `file` (hex, mode 0600), made on first use and
 * read again after a restart, so a restarted daemon still recognises the stressors an earlier one
 * started. Two daemons racing to make it both end up with the one written first.
 */
export function loadMarkerSecret(file: string): Buffer {
  const read = () => {
    const text = readFileSync(file, "utf8").trim();
    if (!/^[0-9a-f]{64}$/.test(text)) throw new Error(`the stress marker secret ${file} is not 64 hex digits; remove it to have a new one made (running stressors are then no longer recognised)`);
    return Buffer.from(text, "hex");
  };
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  return read();
}

/** Which of a record's two stressors a process belongs to. */
export type StressorPart = "cpu" | "memory";

/** A running stressor, as ExecStressors reports it. */
export interface StressorInstance {
  /** The host pid of the stressor's first process (the gate that became its parent). */
  pid: number;
  /** That process's start time, in ms since the epoch. */
  startTimeMs: number;
  /** The daemon's id for the stressor, carried by its processes. */
  uid: string;
  part: StressorPart;
  key: string;
}

/** How a stressor starts: binaries (from PATH by default), the host's paths, and where its tmpfs goes. */
export interface StressorLauncher {
  xargs: string;
  choom: string;
  nsenter: string;
  /** util-linux's setpriv: drops stress-ng's capabilities and root before it runs. */
  setpriv: string;
  stressNg: string;
  mount: string;
  umount: string;
  paths: HostPaths;
  /** Where each stressor's own tmpfs (its working and temporary directory) is mounted, one directory per uid. */
  tempRoot: string;
}

export const defaultStressorLauncher: StressorLauncher = {
  xargs: "xargs",
  choom: "choom",
  nsenter: "nsenter",
  setpriv: "setpriv",
  stressNg: "stress-ng",
  mount: "mount",
  umount: "umount",
  paths: defaultHostPaths,
  tempRoot: "/run/faultline-stress",
};

/**
 * Who stress-ng runs as: real uid 65534 (nobody), effective and saved uid 65533, group 65534, no
 * supplementary groups. Not root, so it owns no file of the node; and with real and effective uid
 * different, stress-ng is not dumpable and no process can ptrace it whatever its uid (only a
 * holder of CAP_SYS_PTRACE, such as the daemon, reads its environment).
 */
export const stressorCredentials = { ruid: 65534, euid: 65533, gid: 65534 } as const;

/** The setpriv arguments stress-ng runs under: no capability (inheritable, bounding, so none after exec), no new privileges, the credentials above. */
export const stressorSetprivArgs: readonly string[] = [
  `--ruid=${stressorCredentials.ruid}`,
  `--euid=${stressorCredentials.euid}`,
  `--regid=${stressorCredentials.gid}`,
  "--clear-groups",
  "--inh-caps=-all",
  "--bounding-set=-all",
  "--no-new-privs",
];

/** A stressor that could not be started; nothing of it is left running. */
export class StressorStartError extends Error {
  override name = "StressorStartError";
}

interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
  startTicks: number;
}

const clockTicksPerSecond = 100; // USER_HZ, 100 on every Linux architecture Kubernetes runs on

// procfs is read synchronously: a scan of a few hundred processes takes milliseconds that way, and
// ten to twenty times longer through the thread pool (measured on these machines)
const readProc = (paths: HostPaths, ...parts: string[]): string | undefined => {
  try {
    return readFileSync(join(paths.procRoot, ...parts), "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
};

async function readStat(paths: HostPaths, pid: number): Promise<ProcStat | undefined> {
  return readStatSync(paths, pid);
}

function readStatSync(paths: HostPaths, pid: number): ProcStat | undefined {
  const text = readProc(paths, String(pid), "stat");
  if (text === undefined) return undefined;
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const rest = text.slice(close + 2).split(" ");
  return { pid, comm: text.slice(open + 1, close), state: rest[0]!, ppid: Number(rest[1]), startTicks: Number(rest[19]) };
}

async function bootTimeMs(paths: HostPaths): Promise<number> {
  return Number(/^btime (\d+)$/m.exec(readProc(paths, "stat") ?? "")?.[1]) * 1000;
}

/** A process's start time in ms since the epoch, as Chaos Mesh reports it; undefined when it is gone. */
export async function processStartTimeMs(pid: number, paths: HostPaths = defaultHostPaths): Promise<number | undefined> {
  const stat = await readStat(paths, pid);
  if (!stat) return undefined;
  return (await bootTimeMs(paths)) + Math.round((stat.startTicks * 1000) / clockTicksPerSecond);
}

async function allProcesses(paths: HostPaths): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for (const name of readdirSync(paths.procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStatSync(paths, Number(name));
    if (stat && stat.state !== "Z") stats.push(stat);
  }
  return stats;
}

// the programs a marked process can be: only their environments are read
const markedPrograms = /^(xargs|choom|nsenter|setpriv|stress-ng)/;

// a process's markers, when their MAC is the daemon's; a forged or partial set is no marker at all
async function markersOf(paths: HostPaths, secret: Buffer, pid: number, comm?: string): Promise<{ [name: string]: string } | undefined> {
  if (comm !== undefined && !markedPrograms.test(comm)) return undefined;
  const environ = readProc(paths, String(pid), "environ");
  if (!environ || !environ.includes("FAULTLINE_STRESS_")) return undefined;
  const markers: { [name: string]: string } = {};
  for (const entry of environ.split("\0")) {
    const eq = entry.indexOf("=");
    if (entry.startsWith("FAULTLINE_STRESS_")) markers[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  const [key, uid, part, mac] = [markers[stressMarkers.key], markers[stressMarkers.uid], markers[stressMarkers.part], markers[stressMarkers.mac]];
  if (key === undefined || uid === undefined || part === undefined || mac === undefined || !/^[0-9a-f]{64}$/.test(mac)) return undefined;
  const expected = Buffer.from(markerMac(secret, key, uid, part), "hex");
  return timingSafeEqual(expected, Buffer.from(mac, "hex")) ? markers : undefined;
}

/** What selects stressors: a record key, one stressor's uid, or both; a part narrows it. */
export interface StressorSelector {
  key?: string;
  uid?: string;
  part?: StressorPart;
}

const selects = (markers: { [name: string]: string }, selector: StressorSelector) =>
  (selector.key === undefined || markers[stressMarkers.key] === selector.key) &&
  (selector.uid === undefined || markers[stressMarkers.uid] === selector.uid) &&
  (selector.part === undefined || markers[stressMarkers.part] === selector.part);

/**
 * The running stressors the selector matches, found from the processes themselves (their marker
 * environment), so a restarted daemon finds what an earlier one started. One instance per uid: its
 * oldest marked process, the gate.
 */
export async function findStressors(selector: StressorSelector, secret: Buffer, paths: HostPaths = defaultHostPaths): Promise<StressorInstance[]> {
  if (selector.key === undefined && selector.uid === undefined) return [];
  return collectStressors((markers) => selects(markers, selector), secret, paths);
}

/** Every stressor running on the node (markers with this daemon's MAC), one instance each. */
export async function listStressors(secret: Buffer, paths: HostPaths = defaultHostPaths): Promise<StressorInstance[]> {
  return collectStressors(() => true, secret, paths);
}

async function collectStressors(wanted: (markers: { [name: string]: string }) => boolean, secret: Buffer, paths: HostPaths): Promise<StressorInstance[]> {
  const byUid = new Map<string, StressorInstance>();
  const boot = await bootTimeMs(paths);
  for (const proc of await allProcesses(paths)) {
    const markers = await markersOf(paths, secret, proc.pid, proc.comm);
    if (!markers || !wanted(markers)) continue;
    const uid = markers[stressMarkers.uid]!;
    const startTimeMs = boot + Math.round((proc.startTicks * 1000) / clockTicksPerSecond);
    const known = byUid.get(uid);
    if (known && known.startTimeMs <= startTimeMs && known.pid < proc.pid) continue;
    byUid.set(uid, { pid: proc.pid, startTimeMs, uid, part: markers[stressMarkers.part] as StressorPart, key: markers[stressMarkers.key] ?? "" });
  }
  return [...byUid.values()];
}

/** The uid a process carries, when it is a stressor's and started at `startTimeMs` (Chaos Mesh's cancel names pid and start time). */
export async function stressorUidOf(pid: number, startTimeMs: number, secret: Buffer, paths: HostPaths = defaultHostPaths): Promise<string | undefined> {
  const started = await processStartTimeMs(pid, paths);
  if (started === undefined || Math.abs(started - startTimeMs) > 10) return undefined;
  return (await markersOf(paths, secret, pid))?.[stressMarkers.uid];
}

/** The uids of every stressor that still has a marked process. */
export async function runningStressorUids(secret: Buffer, paths: HostPaths = defaultHostPaths): Promise<Set<string>> {
  const uids = new Set<string>();
  for (const proc of await allProcesses(paths)) {
    const markers = await markersOf(paths, secret, proc.pid, proc.comm);
    if (markers) uids.add(markers[stressMarkers.uid]!);
  }
  return uids;
}

async function markedTree(selector: StressorSelector, secret: Buffer, paths: HostPaths): Promise<number[]> {
  const procs = await allProcesses(paths);
  const members = new Set<number>();
  for (const proc of procs) {
    const markers = await markersOf(paths, secret, proc.pid, proc.comm);
    if (markers && selects(markers, selector)) members.add(proc.pid);
  }
  // descendants: stress-ng's workers (and theirs), whose own environment no longer shows the marker
  for (let grew = members.size > 0; grew; ) {
    grew = false;
    for (const proc of procs) {
      if (!members.has(proc.pid) && members.has(proc.ppid)) {
        members.add(proc.pid);
        grew = true;
      }
    }
  }
  return [...members];
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

async function waitGone(paths: HostPaths, pids: number[], ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = (await Promise.all(pids.map((pid) => readStat(paths, pid)))).filter((s) => s !== undefined && s.state !== "Z");
    if (alive.length === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Stops every process of the selected stressors, workers included, and waits until they are gone.
 * stress-ng is asked first (SIGTERM to each stress-ng parent: it stops and reaps its own workers,
 * so none is left a zombie under the container's init, which may never reap). What still runs
 * after `graceMs` is killed from the leaves up, each parent still alive to reap its children.
 * Returns how many processes there were; 0 when nothing ran (a stressor already gone, or a target
 * whose pid namespace died with it, is recovered).
 */
export async function killStressors(selector: StressorSelector, secret: Buffer, paths: HostPaths = defaultHostPaths, graceMs = 3000, timeoutMs = 10_000): Promise<number> {
  if (selector.key === undefined && selector.uid === undefined) return 0;
  const seen = new Set<number>();
  const first = await markedTree(selector, secret, paths);
  if (first.length === 0) return 0;
  first.forEach((pid) => seen.add(pid));
  const stats = (await Promise.all(first.map((pid) => readStat(paths, pid)))).filter((s): s is ProcStat => s !== undefined);
  const parents = stats.filter((s) => s.comm.startsWith("stress-ng") && !stats.some((p) => p.pid === s.ppid && p.comm.startsWith("stress-ng")));
  for (const parent of parents) signal(parent.pid, "SIGTERM");
  if (parents.length > 0 && (await waitGone(paths, first, graceMs))) return seen.size;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tree = await markedTree(selector, secret, paths);
    tree.forEach((pid) => seen.add(pid));
    if (tree.length === 0) return seen.size;
    const treeStats = (await Promise.all(tree.map((pid) => readStat(paths, pid)))).filter((s): s is ProcStat => s !== undefined);
    const leaves = treeStats.filter((s) => !treeStats.some((c) => c.ppid === s.pid)).map((s) => s.pid);
    for (const pid of leaves) signal(pid, "SIGKILL");
    await waitGone(paths, leaves, 1000);
    if (Date.now() > deadline) throw new Error(`stressor processes ${tree.join(", ")} still run ${timeoutMs} ms after SIGKILL`);
  }
}

/** What one stressor runs, and where. */
export interface StressorStart {
  part: StressorPart;
  key: string;
  /** stress-ng's arguments, already checked. */
  args: string[];
  /** The target container's init process (its pid namespace is entered). */
  targetPid: number;
  cgroup: CgroupTarget;
  oomScoreAdj: number;
}

const run = (file: string, args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile(file, args, { timeout: 10_000 }, (error, _stdout, stderr) => (error ? reject(new Error(`${file} ${args.join(" ")}: ${stderr.trim() || error.message}`)) : resolve())),
  );

const isMountPoint = (dir: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((line) => line.split(" ")[4] === dir);

// the uids whose tmpfs is being made and not yet carried by a marked process: a sweep leaves them be
const starting = new Set<string>();

/** The directory of a stressor's tmpfs: `<tempRoot>/<uid>`. */
export const stressorTempDir = (launcher: StressorLauncher, uid: string) => join(launcher.tempRoot, uid);

/**
 * A stressor's own tmpfs, its working and temporary (`--temp-path`) directory: 16 MiB, nosuid,
 * nodev, noexec, writable by the stressor's uid and group only. Whatever stress-ng writes goes there (and is
 * charged to the target's memory cgroup, stress-ng's), never to a filesystem of the node.
 */
async function mountStressorTmpfs(launcher: StressorLauncher, uid: string): Promise<string> {
  const dir = stressorTempDir(launcher, uid);
  // the root only traversable (stress-ng's real uid must reach its directory), not listable
  mkdirSync(launcher.tempRoot, { recursive: true, mode: 0o711 });
  chmodSync(launcher.tempRoot, 0o711);
  mkdirSync(dir, { mode: 0o700 });
  // owned by the effective uid (which writes) and the group (stress-ng checks access() with its
  // real ids: real uid 65534 passes as group member); nobody else
  await run(launcher.mount, ["-t", "tmpfs", "-o", `size=16m,nr_inodes=4096,mode=0770,uid=${stressorCredentials.euid},gid=${stressorCredentials.gid},nosuid,nodev,noexec`, "faultline-stress", dir]);
  return dir;
}

/** Unmounts and removes a stressor's tmpfs; nothing when it is already gone. */
export async function removeStressorTmpfs(launcher: StressorLauncher, uid: string): Promise<void> {
  const dir = stressorTempDir(launcher, uid);
  // lazily: a worker of a dying stressor may still hold it for a moment; it goes when the last does
  if (isMountPoint(dir)) await run(launcher.umount, ["--lazy", dir]);
  try {
    rmdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

/**
 * Removes the tmpfs of every stressor no process carries any more (stopped, or its target gone):
 * on every CancelStressors, and at the daemon's first request after a (re)start.
 */
export async function sweepStressorTmpfs(secret: Buffer, launcher: StressorLauncher = defaultStressorLauncher): Promise<string[]> {
  let dirs: string[];
  try {
    dirs = readdirSync(launcher.tempRoot);
  } catch {
    return [];
  }
  const running = await runningStressorUids(secret, launcher.paths);
  const removed: string[] = [];
  for (const uid of dirs) {
    if (running.has(uid) || starting.has(uid)) continue;
    await removeStressorTmpfs(launcher, uid);
    removed.push(uid);
  }
  return removed;
}

/**
 * Starts one stressor so that it does no work outside the target container: the first process is
 * `xargs -0 -r -- [choom -n <adj> --] nsenter --target <pid> --pid -- setpriv <no capabilities,
 * not root> -- stress-ng`, which waits on its stdin, in the stressor's own tmpfs. The daemon moves
 * that process into every cgroup of the target, and only then writes stress-ng's arguments (and
 * `--temp-path <its tmpfs>`) to it (one write, smaller than a pipe's atomic size) and closes it;
 * xargs then runs the command, whose processes inherit the cgroups, choom sets the oom score with
 * the daemon's privileges, nsenter forks into the target's pid namespace, and setpriv drops every
 * capability and root before stress-ng runs. Had the daemon died before the write, xargs reads
 * nothing and runs nothing (`-r`). argv only: no shell anywhere. Every process carries the markers,
 * their MAC made with `secret`.
 */
export async function startStressor(start: StressorStart, secret: Buffer, launcher: StressorLauncher = defaultStressorLauncher): Promise<StressorInstance> {
  const uid = randomUUID();
  starting.add(uid);
  try {
    const dir = await mountStressorTmpfs(launcher, uid).catch(async (err: Error) => {
      await removeStressorTmpfs(launcher, uid).catch(() => undefined);
      throw new StressorStartError(`cannot make the stressor's tmpfs: ${err.message}`);
    });
    return await startInTmpfs(start, secret, launcher, uid, dir);
  } finally {
    starting.delete(uid);
  }
}

/**
 * What xargs runs for a stressor (its arguments follow, from its stdin: {@link stressorStdinArgs}):
 * `[choom -n <adj> --] nsenter --target=<pid> --pid -- setpriv <no capabilities, not root> -- stress-ng`.
 * `targetPid` may be a placeholder for a plan (the daemon resolves the pid at injection).
 */
export function stressorCommand(launcher: StressorLauncher, targetPid: number | string, oomScoreAdj: number): string[] {
  return [
    ...(oomScoreAdj !== 0 ? [launcher.choom, "-n", String(oomScoreAdj), "--"] : []),
    launcher.nsenter,
    `--target=${targetPid}`,
    "--pid",
    "--",
    launcher.setpriv,
    ...stressorSetprivArgs,
    "--",
    launcher.stressNg,
  ];
}

/** The launcher's own argv: xargs, which waits for the stressor's arguments on its stdin and then runs `command` with them. */
export function stressorLauncherArgv(launcher: StressorLauncher, command: readonly string[]): string[] {
  return [launcher.xargs, "-0", "-r", "--", ...command];
}

/** The arguments written to a stressor's stdin once it is in the target's cgroups: its tmpfs as stress-ng's temp path, then stress-ng's arguments. */
export function stressorStdinArgs(tempDir: string, args: readonly string[]): string[] {
  return ["--temp-path", tempDir, ...args];
}

async function startInTmpfs(start: StressorStart, secret: Buffer, launcher: StressorLauncher, uid: string, dir: string): Promise<StressorInstance> {
  const command = stressorCommand(launcher, start.targetPid, start.oomScoreAdj);
  const [xargs, ...xargsArgs] = stressorLauncherArgv(launcher, command);
  const child = spawn(xargs!, xargsArgs, {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
    cwd: dir,
    env: {
      PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      TMPDIR: dir,
      [stressMarkers.key]: start.key,
      [stressMarkers.uid]: uid,
      [stressMarkers.part]: start.part,
      [stressMarkers.mac]: markerMac(secret, start.key, uid, start.part),
    },
  });
  let exited: string | undefined;
  child.on("exit", (code, sig) => (exited = sig ? `signal ${sig}` : `exit code ${code}`));
  const spawned = await new Promise<number>((resolve, reject) => {
    child.once("spawn", () => resolve(child.pid!));
    child.once("error", (err) => reject(new StressorStartError(`cannot start ${launcher.xargs}: ${err.message}`)));
  }).catch(async (err: Error) => {
    await removeStressorTmpfs(launcher, uid);
    throw err;
  });
  child.unref();
  const fail = async (message: string): Promise<never> => {
    child.stdin!.destroy();
    await killStressors({ uid }, secret, launcher.paths);
    await removeStressorTmpfs(launcher, uid);
    throw new StressorStartError(message);
  };
  try {
    await joinCgroup(start.cgroup, spawned);
  } catch (err) {
    return fail((err as Error).message);
  }
  child.stdin!.end(stressorStdinArgs(dir, start.args).map((a) => `${a}\0`).join(""));
  // started once stress-ng runs in the target's pid namespace (its parent named itself stress-ng)
  const deadline = Date.now() + 5000;
  for (;;) {
    const tree = await markedTree({ uid }, secret, launcher.paths);
    const stats = await Promise.all(tree.map((pid) => readStat(launcher.paths, pid)));
    if (stats.some((s) => s?.comm.startsWith("stress-ng"))) break;
    if (exited !== undefined) return fail(`stress-ng did not start in the target (the launcher ended with ${exited})`);
    if (Date.now() > deadline) return fail("stress-ng did not start in the target within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const startTimeMs = (await processStartTimeMs(spawned, launcher.paths)) ?? Date.now();
  return { pid: spawned, startTimeMs, uid, part: start.part, key: start.key };
}
