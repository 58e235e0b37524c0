import { accessSync, constants, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DnsRule } from "./dns-request-validation.js";

/** The interceptor of one pod, as the daemon started it. */
export interface InterceptorProcess {
  /** Its host pid (nsenter and setpriv exec into node: one process). */
  pid: number;
  /** Its start time in clock ticks since boot (`/proc/<pid>/stat` field 22): a reused pid is not it. */
  startTicks: string;
  /** The port it listens on (UDP and TCP, 127.0.0.1) in the pod's network namespace. */
  port: number;
}

/** What the daemon keeps about one pod's interception, in `<stateDir>/pods/netns-<inode>/state.json`. */
export interface PodDnsState {
  /** The pod's network namespace (the key of this state). */
  netns: { dev: number; ino: number };
  /** The pod's own nameservers (read from the target's resolv.conf at the first injection): where other names go. */
  upstreams: string[];
  /** The rules in force, in the order they came (the first that matches a name answers it). */
  rules: DnsRule[];
  /** Every container id ExecDNSChaos named for this pod. */
  containerIds: string[];
  /** The running interceptor, once started. */
  interceptor?: InterceptorProcess;
  /** Whether the redirect (iptables nat, port 53 → the interceptor) is installed. */
  redirect: boolean;
}

/**
 * Where the DNS interceptions' state is kept unless told: `$FAULTLINE_DNS_STATE_DIR`; else the
 * node's `/run/faultline/dns`, reached through the host's pid 1 (`<procRoot>/1/root`, the daemon
 * runs with hostPID), which outlives the daemon's container (a restarted daemon finds the
 * interceptors an earlier one started) and goes with a reboot, as the pods' interceptors do; else
 * (pid 1's root not reachable, a daemon run as a plain process) the daemon's own `/run/faultline/dns`.
 */
export function defaultDnsStateDir(procRoot: string): string {
  const fromEnv = process.env["FAULTLINE_DNS_STATE_DIR"];
  if (fromEnv) return fromEnv;
  const hostRun = `${procRoot}/1/root/run`;
  try {
    accessSync(hostRun, constants.W_OK);
    return `${hostRun}/faultline/dns`;
  } catch {
    return "/run/faultline/dns";
  }
}

/** The state directory's layout: `pods/netns-<inode>/{state.json,config.json,interceptor.log}` and `resolv/<container>.conf`. */
export class DnsStateDir {
  constructor(readonly root: string) {}

  /** The key of a pod's state: its network namespace's inode. */
  static podKey(netns: { ino: number }): string {
    return `netns-${netns.ino}`;
  }

  podDir(key: string): string {
    return join(this.root, "pods", key);
  }

  /** Every pod key with a state directory. */
  podKeys(): string[] {
    try {
      return readdirSync(join(this.root, "pods")).filter((n) => /^netns-\d+$/.test(n));
    } catch {
      return [];
    }
  }

  /** A pod's state; undefined when there is none (or it is unreadable: a torn write cannot happen, files are renamed into place). */
  read(key: string): PodDnsState | undefined {
    try {
      return JSON.parse(readFileSync(join(this.podDir(key), "state.json"), "utf8")) as PodDnsState;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes a pod's state (0600) and the interceptor's config (0644: the interceptor reads it as its
   * own unprivileged uid, from its working directory, the pod's state directory), each renamed
   * into place, so a reader sees the old file or the new, never part of one.
   */
  write(key: string, state: PodDnsState): void {
    const dir = this.podDir(key);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    atomicWrite(join(dir, "config.json"), `${JSON.stringify(interceptorConfig(state))}\n`, 0o644);
    atomicWrite(join(dir, "state.json"), `${JSON.stringify(state)}\n`, 0o600);
  }

  /** Removes a pod's state directory (config, log, state). */
  remove(key: string): void {
    rmSync(this.podDir(key), { recursive: true, force: true });
  }

  /** Where SetDNSServer keeps a container's original resolv.conf. */
  keptResolvConf(containerId: string): string {
    return join(this.root, "resolv", `${containerId.replace("://", "-")}.conf`);
  }
}

/** The interceptor's config file: `{ upstreams, rules: [{ recordKey, action, patterns }] }`. */
export function interceptorConfig(state: Pick<PodDnsState, "upstreams" | "rules">): { upstreams: string[]; rules: { recordKey: string; action: string; patterns: string[] }[] } {
  return { upstreams: state.upstreams, rules: state.rules.map((r) => ({ recordKey: r.recordKey, action: r.action, patterns: r.patterns })) };
}

/** Writes `file` through a temporary file in the same directory renamed over it. */
export function atomicWrite(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}
