import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HostPaths } from "../../stress/cgroup-target.js";
import { PodProcessLauncher, PodProcessStartError, readyLines, type PodProcess, type PodProcessCommand } from "../../pod-netns-process/pod-process.js";

/** Who the proxy runs as by default: a uid and gid of its own, no file of the node is theirs. */
export const defaultProxyUid = 2000080;

/** The proxy's arguments after its main script (its config, relative to its working directory: the pod's state directory). */
export const proxyArgs: readonly string[] = ["--config", "config.json"];

/** What to start a proxy for. */
export interface ProxyStart {
  /** A process in the pod: its network namespace is entered, its pod's cgroup joined. */
  memberPid: number;
  /** The pod's state directory (config.json, proxy.log). */
  dir: string;
  /** The proxy ports it must listen on before it counts as ready. */
  ports: readonly number[];
}

/** Starts, checks, reloads and stops proxies; the daemon's is {@link ProcessProxyLauncher}, tests give fakes. */
export interface ProxyLauncher {
  /** Starts one and resolves once it said it is ready on every port; on failure nothing of it is left running. */
  start(start: ProxyStart): Promise<PodProcess>;
  /** Whether that process still runs (same pid, same start time, not a zombie). */
  alive(process: PodProcess): boolean;
  /** SIGHUP (it reads its config again, listeners included); resolves once it says it did, listening on every port in `ports`. */
  reload(process: PodProcess, dir: string, ports: readonly number[]): Promise<void>;
  /** SIGTERM, then SIGKILL after a grace; resolves once it is gone. */
  stop(process: PodProcess): Promise<void>;
}

/** The TCP ports listened on in a process's network namespace (`<procRoot>/<pid>/net/tcp` and `tcp6`, state 0A). */
export function listeningTcpPorts(procRoot: string, pid: number): Set<number> {
  const ports = new Set<number>();
  for (const file of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, String(pid), "net", file), "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A") ports.add(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

/** Options of the daemon's proxy launcher. */
export interface ProcessProxyLauncherOptions extends Partial<PodProcessCommand> {
  /** The proxy's main script (`httpProxyMainPath()`). */
  main: string;
  paths: HostPaths;
  readyTimeoutMs?: number;
  joinPod?: (memberPid: number, pid: number) => Promise<void>;
}

/** What a proxy's output after a SIGHUP says: true (reloaded, on every port), the failure, or false (nothing yet). */
export function reloadVerdict(output: string, ports: readonly number[]): boolean | string {
  for (const line of output.split("\n")) {
    if (!line.includes('"reload')) continue;
    let parsed: { event?: unknown; ports?: unknown; error?: unknown };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      continue;
    }
    if (parsed.event === "reload-failed") return `it kept its old config: ${String(parsed.error)}`;
    if (parsed.event === "reloaded") {
      const listening = Array.isArray(parsed.ports) ? (parsed.ports as unknown[]) : [];
      const missing = ports.filter((port) => !listening.includes(port));
      return missing.length === 0 ? true : `it reloaded without listening on ${missing.join(", ")}`;
    }
  }
  return false;
}

const readyOn = (ports: readonly number[]) => (output: string) =>
  readyLines(output).some((l) => Array.isArray(l["ports"]) && ports.every((p) => (l["ports"] as unknown[]).includes(p)));

/**
 * Starts proxies with the shared {@link PodProcessLauncher}: `nsenter --net=<pod> -- setpriv
 * (uid 2000080, no capability) node http-proxy-main.js --config config.json`, detached, output
 * appended to `proxy.log`, in the pod's cgroup (a `faultline-http` leaf on v2), ready once it
 * printed `{"ready":true,"ports":[...]}` naming every proxy port (5 s at most, else killed).
 */
export class ProcessProxyLauncher implements ProxyLauncher {
  readonly #processes: PodProcessLauncher;

  constructor(options: ProcessProxyLauncherOptions) {
    this.#processes = new PodProcessLauncher({ ...options, uid: options.uid ?? defaultProxyUid, what: "the HTTP proxy", logName: "proxy.log", cgroupLeaf: "faultline-http" });
  }

  get command(): PodProcessCommand {
    return this.#processes.command;
  }

  start(start: ProxyStart): Promise<PodProcess> {
    return this.#processes.start({ memberPid: start.memberPid, dir: start.dir, args: proxyArgs, ready: readyOn(start.ports) });
  }

  alive(p: PodProcess): boolean {
    return this.#processes.alive(p);
  }

  /**
   * After SIGHUP the proxy logs `{"event":"reloaded","ports":[...]}` once the new config is in force
   * (listeners included), or `{"event":"reload-failed","error":...}` keeping the old one: the first
   * such line after the signal decides; `reloaded` must name every port.
   */
  async reload(p: PodProcess, dir: string, ports: readonly number[]): Promise<void> {
    const offset = this.#processes.logSize(dir);
    this.#processes.reload(p);
    const said = await this.#processes.waitFor(p, dir, offset, (out) => reloadVerdict(out, ports));
    if (said !== true) throw new PodProcessStartError(`the HTTP proxy ${p.pid} did not take its new config (listening on ${ports.join(", ")}): ${said}`);
  }

  stop(p: PodProcess): Promise<void> {
    return this.#processes.stop(p);
  }
}
