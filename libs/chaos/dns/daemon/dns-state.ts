import { join } from "node:path";
import type { PodProcess } from "../../pod-netns-process/pod-process.js";
import { PodStateDir, defaultPodStateDir } from "../../pod-netns-process/pod-state-dir.js";
import type { DnsRule } from "./dns-request-validation.js";

export { atomicWrite } from "../../pod-netns-process/pod-state-dir.js";

/** The interceptor of one pod, as the daemon started it. */
export interface InterceptorProcess extends PodProcess {
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
 * Where the DNS interceptions' state is kept unless told: `$FAULTLINE_DNS_STATE_DIR`, else the
 * node's `/run/faultline/dns` (see `defaultPodStateDir`).
 */
export function defaultDnsStateDir(procRoot: string): string {
  return defaultPodStateDir(procRoot, "dns", "FAULTLINE_DNS_STATE_DIR");
}

/** The state directory's layout: `pods/netns-<inode>/{state.json,config.json,interceptor.log}` and `resolv/<container>.conf`. */
export class DnsStateDir extends PodStateDir<PodDnsState> {
  /**
   * Writes a pod's state (0600) and the interceptor's config (0644: the interceptor reads it as its
   * own unprivileged uid, from its working directory, the pod's state directory), each renamed
   * into place, so a reader sees the old file or the new, never part of one.
   */
  write(key: string, state: PodDnsState): void {
    this.writeWith(key, state, [{ name: "config.json", text: `${JSON.stringify(interceptorConfig(state))}\n`, mode: 0o644 }]);
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
