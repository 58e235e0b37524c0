import type { HostPaths } from "../../stress/cgroup-target.js";
import { PodProcessLauncher, PodProcessStartError, podProcessArgv, readyLines, type PodProcessCommand } from "../../pod-netns-process/pod-process.js";
import type { InterceptorProcess } from "./dns-state.js";

/** Who the interceptor runs as by default: a uid and gid of its own, no file of the node is theirs. */
export const defaultInterceptorUid = 2000053;
/** The port (in the pod's network namespace) the interceptor listens on by default; unprivileged. */
export const defaultInterceptorPort = 15353;

/** The programs and identity an interceptor is started with. */
export type InterceptorCommand = PodProcessCommand;

/**
 * The interceptor's argv: the shared pod process argv (`../../pod-netns-process/pod-process.ts`:
 * nsenter into the pod's network namespace only, setpriv to an unprivileged uid without
 * capabilities) then `--config config.json --host 127.0.0.1 --port P`.
 * It listens on 127.0.0.1, where REDIRECT in OUTPUT sends the pod's own queries: a UDP reply must
 * leave from that address to match the connection's NAT and reach the client as if from its
 * nameserver. Bound to 0.0.0.0 the reply would leave from the pod's own address, and every stub
 * resolver (glibc, musl, busybox: connected sockets) would drop it and time out.
 */
export function interceptorArgv(command: InterceptorCommand, netnsPath: string, port: number): string[] {
  return podProcessArgv(command, netnsPath, interceptorArgs(port));
}

/** The interceptor's own arguments, after its main script. */
export function interceptorArgs(port: number): string[] {
  return ["--config", "config.json", "--host", "127.0.0.1", "--port", String(port)];
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
export const InterceptorStartError = PodProcessStartError;

/** Options of the daemon's launcher. */
export interface ProcessInterceptorLauncherOptions extends Partial<InterceptorCommand> {
  /** The interceptor's main script. */
  main: string;
  paths: HostPaths;
  readyTimeoutMs?: number;
  /** Moves the new process into its pod's cgroup; default the pod's cgroup (a `faultline-dns` leaf on v2). */
  joinPod?: (memberPid: number, pid: number) => Promise<void>;
}

/**
 * Starts interceptors with the shared {@link PodProcessLauncher} (detached, own session, output
 * appended to `interceptor.log`, in the pod's cgroup, a `faultline-dns` leaf on v2), ready once the
 * log shows `{"ready":true,"port":P}` (within 5 s, else it is killed).
 */
export class ProcessInterceptorLauncher implements InterceptorLauncher {
  readonly #processes: PodProcessLauncher;

  constructor(options: ProcessInterceptorLauncherOptions) {
    this.#processes = new PodProcessLauncher({ ...options, uid: options.uid ?? defaultInterceptorUid, what: "the DNS interceptor", logName: "interceptor.log", cgroupLeaf: "faultline-dns" });
  }

  get command(): InterceptorCommand {
    return this.#processes.command;
  }

  async start(start: InterceptorStart): Promise<InterceptorProcess> {
    const ready = (output: string) => {
      const port = readyPort(output);
      return port === undefined ? false : port === start.port ? true : `said it listens on port ${port}, not ${start.port}`;
    };
    const proc = await this.#processes.start({ memberPid: start.memberPid, dir: start.dir, args: interceptorArgs(start.port), ready });
    return { ...proc, port: start.port };
  }

  alive(p: InterceptorProcess): boolean {
    return this.#processes.alive(p);
  }

  reload(p: InterceptorProcess): void {
    this.#processes.reload(p);
  }

  async stop(p: InterceptorProcess, graceMs = 2000): Promise<void> {
    await this.#processes.stop(p, graceMs);
  }
}

/** The port of the first `{"ready":true,"port":n}` line of an interceptor's output. */
export function readyPort(output: string): number | undefined {
  const line = readyLines(output).find((l) => typeof l["port"] === "number");
  return line === undefined ? undefined : (line["port"] as number);
}
