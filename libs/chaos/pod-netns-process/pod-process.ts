import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, truncateSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { cgroupTargetOf, joinCgroup, type CgroupTarget, type HostPaths } from "../stress/cgroup-target.js";

/** A process the daemon started in a pod's network namespace (DNSChaos's interceptor, HTTPChaos's proxy). */
export interface PodProcess {
  /** Its host pid (nsenter and setpriv exec into node: one process). */
  pid: number;
  /** Its start time in clock ticks since boot (`/proc/<pid>/stat` field 22): a reused pid is not it. */
  startTicks: string;
}

/** The programs and identity a pod process is started with. */
export interface PodProcessCommand {
  nsenter: string;
  setpriv: string;
  /** The node binary (the daemon's own by default). */
  node: string;
  /** The process's main script. */
  main: string;
  uid: number;
  gid: number;
}

/** How long a pod process has to say it is ready, by default. */
export const podProcessReadyTimeoutMs = 5000;

/**
 * A pod process's argv: `nsenter --net=<ns> -- setpriv --reuid U --regid G --clear-groups
 * --inh-caps=-all --bounding-set=-all --no-new-privs <node> <main> ...args`. nsenter enters only
 * the pod's network namespace and execs (no fork), setpriv drops root, every capability and new
 * privileges and execs node: one process, the pid the daemon spawned. Paths in `args` are relative
 * to its working directory, the pod's state directory, which the daemon opens for it (the process
 * itself could not traverse the host's `/proc/1/root`).
 */
export function podProcessArgv(command: PodProcessCommand, netnsPath: string, args: readonly string[]): string[] {
  return [
    command.nsenter,
    `--net=${netnsPath}`,
    "--",
    command.setpriv,
    "--reuid",
    String(command.uid),
    "--regid",
    String(command.gid),
    "--clear-groups",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--no-new-privs",
    command.node,
    command.main,
    ...args,
  ];
}

/** A pod process that could not be started; nothing of it runs. */
export class PodProcessStartError extends Error {
  override name = "PodProcessStartError";
}

/** A process's state letter and start time from `<procRoot>/<pid>/stat`; undefined when it is gone. */
export function processStat(procRoot: string, pid: number): { state: string; startTicks: string } | undefined {
  try {
    const text = readFileSync(join(procRoot, String(pid), "stat"), "utf8");
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, startTicks: rest[19]! };
  } catch {
    return undefined;
  }
}

/**
 * The cgroup of the target's POD, for a pod process: the parent of the container's cgroup, in every
 * v1 hierarchy where it has one; on v2 a leaf `v2Leaf` made in the pod's cgroup (v2 lets no process
 * sit in a cgroup whose controllers are delegated to children). The process so lives and is
 * accounted with the pod, outlives the daemon's and the target container's restarts, and the
 * kubelet removes it with the pod.
 */
export async function podCgroupOf(pid: number, paths: HostPaths, v2Leaf: string): Promise<CgroupTarget> {
  const container = await cgroupTargetOf(pid, paths);
  const procsFiles: string[] = [];
  for (const file of container.procsFiles) {
    const pod = dirname(dirname(file));
    // a container at the root of a hierarchy has no parent of its own there
    if (relative(paths.cgroupRoot, pod).split("/").length < 2) continue;
    if (container.mode === "v2") {
      const leaf = join(pod, v2Leaf);
      mkdirSync(leaf, { recursive: true });
      procsFiles.push(join(leaf, "cgroup.procs"));
    } else procsFiles.push(join(pod, "cgroup.procs"));
  }
  if (procsFiles.length === 0) throw new PodProcessStartError(`process ${pid} has no pod cgroup (a parent of its container's cgroup) the daemon can see`);
  return { mode: container.mode, procsFiles };
}

/** What to start a pod process for. */
export interface PodProcessStart {
  /** A process in the pod (the target container's, or any other in its network namespace): its namespace is entered, its pod's cgroup joined. */
  memberPid: number;
  /** The pod's state directory: the process's working directory and where its log is. */
  dir: string;
  /** Its arguments after the main script. */
  args: readonly string[];
  /**
   * Reads its output so far: `true` once it said it is ready, a string when it said something
   * that makes it unusable (it is then stopped and that is the error), `false` to wait on.
   */
  ready: (output: string) => boolean | string;
}

/** Options of a {@link PodProcessLauncher}. */
export interface PodProcessLauncherOptions extends Partial<PodProcessCommand> {
  /** The main script. */
  main: string;
  uid: number;
  paths: HostPaths;
  /** What the process is called in errors, e.g. "the DNS interceptor". */
  what: string;
  /** Its log's name in the pod's state directory, e.g. "interceptor.log". */
  logName: string;
  /** The v2 leaf cgroup it sits in under the pod's cgroup, e.g. "faultline-dns". */
  cgroupLeaf: string;
  readyTimeoutMs?: number;
  /** Moves the new process into its pod's cgroup; default {@link podCgroupOf} then joinCgroup. */
  joinPod?: (memberPid: number, pid: number) => Promise<void>;
}

/**
 * Starts pod processes as detached processes of their own session (the daemon's exit or restart
 * does not touch them), stdout and stderr appended to the log in the pod's state directory, moved
 * into the pod's cgroup, and ready once their output says so (within the timeout, else killed).
 */
export class PodProcessLauncher {
  readonly command: PodProcessCommand;
  readonly what: string;
  readonly logName: string;
  readonly #paths: HostPaths;
  readonly #readyTimeoutMs: number;
  readonly #joinPod: (memberPid: number, pid: number) => Promise<void>;

  constructor(options: PodProcessLauncherOptions) {
    this.command = { nsenter: options.nsenter ?? "nsenter", setpriv: options.setpriv ?? "setpriv", node: options.node ?? process.execPath, main: options.main, uid: options.uid, gid: options.gid ?? options.uid };
    this.what = options.what;
    this.logName = options.logName;
    this.#paths = options.paths;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? podProcessReadyTimeoutMs;
    this.#joinPod = options.joinPod ?? (async (memberPid, pid) => joinCgroup(await podCgroupOf(memberPid, this.#paths, options.cgroupLeaf), pid));
  }

  /** The log file of the process of a pod's state directory. */
  logOf(dir: string): string {
    return join(dir, this.logName);
  }

  /** Starts one and resolves once it said it is ready; on failure nothing of it is left running ({@link PodProcessStartError}). */
  async start(start: PodProcessStart): Promise<PodProcess> {
    const log = this.logOf(start.dir);
    capLog(log);
    const fd = openSync(log, "a", 0o600);
    const offset = statSync(log).size;
    const argv = podProcessArgv(this.command, join(this.#paths.procRoot, String(start.memberPid), "ns", "net"), start.args);
    const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", fd, fd], cwd: start.dir, env });
    closeSync(fd);
    let exited: string | undefined;
    child.on("exit", (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`));
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("spawn", () => resolve(child.pid!));
      child.once("error", (err) => reject(new PodProcessStartError(`cannot start ${argv[0]}: ${err.message}`)));
    });
    child.unref();
    const proc: PodProcess = { pid, startTicks: processStat(this.#paths.procRoot, pid)?.startTicks ?? "0" };
    const fail = async (why: string): Promise<never> => {
      await this.stop(proc);
      const tail = readTail(log, offset);
      throw new PodProcessStartError(`${this.what} ${why}${tail ? `; it said: ${tail}` : ""}`);
    };
    try {
      await this.#joinPod(start.memberPid, pid);
    } catch (err) {
      return fail(`could not be moved into the pod's cgroup: ${(err as Error).message}`);
    }
    const said = await this.waitFor(proc, start.dir, offset, start.ready, () => exited);
    return said === true ? proc : fail(said);
  }

  /**
   * Waits until the process's output from `offset` on satisfies `ready` (true), or it said
   * something wrong, died, or the timeout passed (the reason). Used after a start and a reload.
   */
  async waitFor(p: PodProcess, dir: string, offset: number, ready: (output: string) => boolean | string, exited: () => string | undefined = () => (this.alive(p) ? undefined : "exited")): Promise<true | string> {
    const log = this.logOf(dir);
    const deadline = Date.now() + this.#readyTimeoutMs;
    for (;;) {
      const verdict = ready(readTail(log, offset, Infinity));
      if (verdict === true) return true;
      if (typeof verdict === "string") return verdict;
      const gone = exited();
      if (gone !== undefined) return `ended with ${gone} before it was ready`;
      if (Date.now() > deadline) return `was not ready within ${this.#readyTimeoutMs} ms`;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** The size of a pod's log now: where output after this moment starts. */
  logSize(dir: string): number {
    try {
      return statSync(this.logOf(dir)).size;
    } catch {
      return 0;
    }
  }

  /** Whether that process still runs (same pid, same start time, not a zombie). */
  alive(p: PodProcess): boolean {
    const stat = processStat(this.#paths.procRoot, p.pid);
    return stat !== undefined && stat.state !== "Z" && stat.startTicks === p.startTicks;
  }

  /** SIGHUP: it reads its config again. */
  reload(p: PodProcess): void {
    if (this.alive(p)) signal(p.pid, "SIGHUP");
  }

  /** SIGTERM, then SIGKILL if it is still there after a grace; resolves once it is gone. */
  async stop(p: PodProcess, graceMs = 2000): Promise<void> {
    if (!this.alive(p)) return;
    signal(p.pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (this.alive(p)) {
      if (Date.now() > deadline) {
        signal(p.pid, "SIGKILL");
        if (Date.now() > deadline + 3000) throw new Error(`${this.what} ${p.pid} is still there after SIGKILL`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The most a pod process's log keeps (it lives in the node's /run, memory): past it, the log starts again empty. */
export const podProcessLogMaxBytes = 1024 * 1024;

/**
 * Empties a pod process's log once it is over `max` (the process appends, O_APPEND, so it goes on
 * writing at the new end); called at each start and reconcile pass.
 */
export function capLog(log: string, max = podProcessLogMaxBytes): boolean {
  try {
    if (statSync(log).size <= max) return false;
    truncateSync(log, 0);
    return true;
  } catch {
    return false; // none yet
  }
}

const signal = (pid: number, sig: NodeJS.Signals) => {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
};

/** Every `{"ready":true,...}` line of a process's output, parsed, in order. */
export function readyLines(output: string): { [field: string]: unknown }[] {
  const found: { [field: string]: unknown }[] = [];
  for (const line of output.split("\n")) {
    if (!line.includes('"ready"')) continue;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed === "object" && parsed !== null && (parsed as { ready?: unknown }).ready === true) found.push(parsed as { [field: string]: unknown });
    } catch {
      // not that line
    }
  }
  return found;
}

function readTail(file: string, offset: number, max = 600): string {
  try {
    const text = readFileSync(file).subarray(offset).toString("utf8");
    return max === Infinity ? text : text.trim().slice(-max);
  } catch {
    return "";
  }
}
