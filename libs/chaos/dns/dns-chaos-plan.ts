import { basename } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ExecDNSChaosRequestSchema, NodeCapabilities } from "@faultline/api";
import { iptablesCommands } from "@faultline/daemon-server";
import { hostPidOf, inNamespacesArgv } from "../record-plan/record-plan.js";
import { installScript, type DnsRedirectState } from "./daemon/dns-redirect.js";
import { checkExecDnsRequest } from "./daemon/dns-request-validation.js";
import { interceptorConfig } from "./daemon/dns-state.js";
import { defaultInterceptorPort, defaultInterceptorUid, interceptorArgv } from "./daemon/interceptor-process.js";
import { dnsInterceptorMainPath } from "./resolver/dns-interceptor-path.js";

/** A namespace without the redirect (its state as `dnsRedirectIn` reads it). */
const noRedirect: DnsRedirectState = { owned: false, foreign: false, rules: [], hooks: [] };

/** What the daemon does for an ExecDNSChaos on a pod it intercepts nothing of yet. */
export interface DNSInjectionCommands {
  /** The interceptor started in the pod's network namespace, then the redirect installed (iptables-restore, its script in `redirectScript`). */
  argv: string[][];
  /** The iptables-restore script (stdin) that installs the redirect in a namespace without it. */
  redirectScript: string;
  /** The interceptor's config: the request's rule (the upstreams are read from the container's resolv.conf on the node). */
  config: string;
}

/**
 * The commands the daemon runs for an ExecDNSChaos request on a pod without an interception of
 * ours, built by the daemon's own builders with its defaults: the interceptor (`interceptorArgv`,
 * uid 2000053, port 15353) started in the pod's network namespace with the config the daemon writes
 * for the rule `checkExecDnsRequest` reads from the request (`interceptorConfig`), then the redirect
 * of the pod's port 53 (`installScript`) by iptables-restore through the runner's nsenter, the
 * iptables backend the node reports. A pod already intercepted gets only the config rewritten and
 * a SIGHUP. Host pids, the node's node binary and the upstreams are known on the node only.
 */
export function execDNSChaosCommands(request: MessageInitShape<typeof ExecDNSChaosRequestSchema>, caps: Pick<NodeCapabilities, "iptablesBackend">): DNSInjectionCommands {
  const rule = checkExecDnsRequest({ containerId: request.containerId ?? "", action: request.action ?? "", patterns: request.patterns ?? [], recordKey: request.recordKey ?? "" });
  const pid = hostPidOf(`container ${rule.containerId}`);
  const command = { nsenter: "nsenter", setpriv: "setpriv", node: "node", main: `<daemon's ${basename(dnsInterceptorMainPath())}>`, uid: defaultInterceptorUid, gid: defaultInterceptorUid };
  const cmds = iptablesCommands(caps.iptablesBackend === "legacy" ? "legacy" : "nf_tables", "");
  const redirectScript = installScript({ uid: defaultInterceptorUid, port: defaultInterceptorPort }, noRedirect);
  return {
    argv: [interceptorArgv(command, `/proc/${pid}/ns/net`, defaultInterceptorPort), inNamespacesArgv(pid, ["net"], [cmds.restore, "-w", "5", "--noflush"])],
    redirectScript,
    config: JSON.stringify(interceptorConfig({ upstreams: ["<nameservers of the container's /etc/resolv.conf>"], rules: [rule] })),
  };
}
