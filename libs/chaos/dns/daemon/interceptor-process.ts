import { spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, truncateSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { cgroupTargetOf, joinCgroup, type CgroupTarget, type HostPaths } from "../../stress/cgroup-target.js";
import type { InterceptorProcess } from "./dns-state.js";

/** Who the interceptor runs as by default: a uid and gid of its own, no file of the node is theirs. */
export const defaultInterceptorUid = 2000053;
/** The port (in the pod's network namespace) the interceptor listens on by default; unprivileged. */
export const defaultInterceptorPort = 15353;
/** How long an interceptor has to say it is ready. */
export const interceptorReadyTimeoutMs = 5000;

/** The programs and identity an interceptor is started with. */
export interface InterceptorCommand {
  nsenter: string;
  setpriv: string;
  /** The node binary (the daemon's own by default). */
  node: string;
  /** The interceptor's main script. */
  main: string;
  uid: number;
  gid: number;
}

/**
 * The interceptor's argv: `nsenter --net=<ns> -- setpriv --reuid U --regid G --clear-groups
 * --inh-caps=-all --bounding-set=-all --no-new-privs <node> <main> --config config.json --host 127.0.0.1 --port P`.
 * nsenter enters only the pod's network namespace and execs (no fork), setpriv drops root, every
 * capability and new privileges and execs node: one process, the pid the daemon spawned. The
 * config path is relative to its working directory, the pod's state directory, which the daemon
 * opens for it (the interceptor itself could not traverse the host's `/proc/1/root`).
 * It listens on 127.0.0.1, where REDIRECT in OUTPUT sends the pod's own queries: a UDP reply must
 * leave from that address to match the connection's NAT and reach the client as if from its
 * nameserver. Bound to 0.0.0.0 the reply would leave from the pod's own address, and every stub
 * resolver (glibc, musl, busybox: connected sockets) would drop it and time out.
 */
export function interceptorArgv(command: InterceptorCommand, netnsPath: string, port: number): string[] {
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
    "--config",
    "config.json",
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
  ];
}

/** What to start an interceptor for. */
export interface InterceptorStart {
  /** A process in the pod (the target container's, or any other in its network namespace): its namespace is entered, its pod's cgroup joined. */
  memberPid: number;
  /** The pod's state directory: the interceptor's working directory (config.json) and its log (interceptor.log). */
  dir: string;
  port: number;
}

/** Starts, checks, reloads and stops interceptors; the daemon's is {@link ProcessInterceptorLauncher}, tests give fakes. */
export interface InterceptorLauncher {
  /** Starts one and resolves once it said it is ready; on failure nothing of it is left running. */
  start(start: InterceptorStart): Promise<InterceptorProcess>;
  /** Whether that process still runs (same pid, same start time, not a zombie). */
  alive(process: InterceptorProcess): boolean;
  /** SIGHUP: it reads its config again. */
  reload(process: InterceptorProcess): void;
  /** SIGTERM, then SIGKILL if it is still there after a grace; resolves once it is gone. */
  stop(process: InterceptorProcess): Promise<void>;
}

/** An interceptor that could not be started; nothing of it runs. */
export class InterceptorStartError extends Error {
  override name = "InterceptorStartError";
}

const statOf = (procRoot: string, pid: number): { state: string; startTicks: string } | undefined => {
  try {
    const text = readFileSync(join(procRoot, String(pid), "stat"), "utf8");
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0]!, startTicks: rest[19]! };
  } catch {
    return undefined;
  }
};

/**
 * The cgroup of the target's POD, for the interceptor: the parent of the container's cgroup, in
 * every v1 hierarchy where it has one; on v2 a leaf `faultline-dns` made in the pod's cgroup (v2
 * lets no process sit in a cgroup whose controllers are delegated to children). The interceptor so
 * lives and is accounted with the pod, outlives the daemon's and the target container's restarts,
 * and the kubelet removes it with the pod.
 */
export async function podCgroupOf(pid: number, paths: HostPaths): Promise<CgroupTarget> {
  const container = await cgroupTargetOf(pid, paths);
  const procsFiles: string[] = [];
  for (const file of container.procsFiles) {
    const pod = dirname(dirname(file));
    // a container at the root of a hierarchy has no parent of its own there
    if (relative(paths.cgroupRoot, pod).split("/").length < 2) continue;
    if (container.mode === "v2") {
      const leaf = join(pod, "faultline-dns");
      mkdirSync(leaf, { recursive: true });
      procsFiles.push(join(leaf, "cgroup.procs"));
    } else procsFiles.push(join(pod, "cgroup.procs"));
  }
  if (procsFiles.length === 0) throw new InterceptorStartError(`process ${pid} has no pod cgroup (a parent of its container's cgroup) the daemon can see`);
  return { mode: container.mode, procsFiles };
}

/** Options of the daemon's launcher. */
export interface ProcessInterceptorLauncherOptions extends Partial<InterceptorCommand> {
  /** The interceptor's main script. */
  main: string;
  paths: HostPaths;
  readyTimeoutMs?: number;
  /** Moves the new process into its pod's cgroup; default {@link podCgroupOf} then joinCgroup. */
  joinPod?: (memberPid: number, pid: number) => Promise<void>;
}

/**
 * Starts interceptors as detached processes of their own session (the daemon's exit or restart
 * does not touch them), stdout and stderr appended to `interceptor.log` in the pod's state
 * directory, moved into the pod's cgroup, and ready once the log shows `{"ready":true,"port":P}`
 * (within 5 s, else it is killed).
 */
export class ProcessInterceptorLauncher implements InterceptorLauncher {
  readonly command: InterceptorCommand;
  readonly #paths: HostPaths;
  readonly #readyTimeoutMs: number;
  readonly #joinPod: (memberPid: number, pid: number) => Promise<void>;

  constructor(options: ProcessInterceptorLauncherOptions) {
    const uid = options.uid ?? defaultInterceptorUid;
    this.command = { nsenter: options.nsenter ?? "nsenter", setpriv: options.setpriv ?? "setpriv", node: options.node ?? process.execPath, main: options.main, uid, gid: options.gid ?? uid };
    this.#paths = options.paths;
    this.#readyTimeoutMs = options.readyTimeoutMs ?? interceptorReadyTimeoutMs;
    this.#joinPod = options.joinPod ?? (async (memberPid, pid) => joinCgroup(await podCgroupOf(memberPid, this.#paths), pid));
  }

  async start(start: InterceptorStart): Promise<InterceptorProcess> {
    const log = join(start.dir, "interceptor.log");
    capInterceptorLog(start.dir);
    const fd = openSync(log, "a", 0o600);
    const offset = statSync(log).size;
    const argv = interceptorArgv(this.command, join(this.#paths.procRoot, String(start.memberPid), "ns", "net"), start.port);
    const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin" };
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ["ignore", fd, fd], cwd: start.dir, env });
    closeSync(fd);
    let exited: string | undefined;
    child.on("exit", (code, signal) => (exited = signal ? `signal ${signal}` : `exit code ${code}`));
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("spawn", () => resolve(child.pid!));
      child.once("error", (err) => reject(new InterceptorStartError(`cannot start ${argv[0]}: ${err.message}`)));
    });
    child.unref();
    const startTicks = statOf(this.#paths.procRoot, pid)?.startTicks ?? "0";
    const proc: InterceptorProcess = { pid, startTicks, port: start.port };
    const fail = async (why: string): Promise<never> => {
      await this.stop(proc);
      const tail = readTail(log, offset);
      throw new InterceptorStartError(`the DNS interceptor ${why}${tail ? `; it said: ${tail}` : ""}`);
    };
    try {
      await this.#joinPod(start.memberPid, pid);
    } catch (err) {
      return fail(`could not be moved into the pod's cgroup: ${(err as Error).message}`);
    }
    const deadline = Date.now() + this.#readyTimeoutMs;
    for (;;) {
      const ready = readyPort(readTail(log, offset, Infinity));
      if (ready === start.port) return proc;
      if (ready !== undefined) return fail(`said it listens on port ${ready}, not ${start.port}`);
      if (exited !== undefined) return fail(`ended with ${exited} before it was ready`);
      if (Date.now() > deadline) return fail(`was not ready within ${this.#readyTimeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  alive(p: InterceptorProcess): boolean {
    const stat = statOf(this.#paths.procRoot, p.pid);
    return stat !== undefined && stat.state !== "Z" && stat.startTicks === p.startTicks;
  }

  reload(p: InterceptorProcess): void {
    if (this.alive(p)) signal(p.pid, "SIGHUP");
  }

  async stop(p: InterceptorProcess, graceMs = 2000): Promise<void> {
    if (!this.alive(p)) return;
    signal(p.pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (this.alive(p)) {
      if (Date.now() > deadline) {
        signal(p.pid, "SIGKILL");
        if (Date.now() > deadline + 3000) throw new Error(`the DNS interceptor ${p.pid} is still there after SIGKILL`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The most an interceptor's log keeps (it lives in the node's /run, memory): past it, the log starts again empty. */
export const interceptorLogMaxBytes = 1024 * 1024;

/**
 * Empties a pod's interceptor log once it is over {@link interceptorLogMaxBytes} (the interceptor
 * appends, O_APPEND, so it goes on writing at the new end); called at each start and reconcile pass.
 */
export function capInterceptorLog(dir: string, max = interceptorLogMaxBytes): boolean {
  const log = join(dir, "interceptor.log");
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

/** The port of the first `{"ready":true,"port":n}` line of an interceptor's output. */
export function readyPort(output: string): number | undefined {
  for (const line of output.split("\n")) {
    if (!line.includes('"ready"')) continue;
    try {
      const parsed = JSON.parse(line) as { ready?: unknown; port?: unknown };
      if (parsed.ready === true && typeof parsed.port === "number") return parsed.port;
    } catch {
      // not that line
    }
  }
  return undefined;
}

function readTail(file: string, offset: number, max = 600): string {
  try {
    const text = readFileSync(file).subarray(offset).toString("utf8");
    return max === Infinity ? text : text.trim().slice(-max);
  } catch {
    return "";
  }
}
