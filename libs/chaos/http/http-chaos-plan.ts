import { basename } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { ExecHTTPChaosRequestSchema, NodeCapabilities } from "@faultline/api";
import { iptablesCommands } from "@faultline/daemon-server";
import { hostPidOf, inNamespacesArgv } from "../record-plan/record-plan.js";
import { ownedNatChainInstallScript, type OwnedNatChainState } from "../pod-netns-process/owned-nat-chain.js";
import { podProcessArgv } from "../pod-netns-process/pod-process.js";
import { httpRedirect } from "./daemon/http-redirect.js";
import { checkExecHttpRequest } from "./daemon/http-request-validation.js";
import { assignListeners, proxyConfig, rulePorts } from "./daemon/http-state.js";
import { defaultProxyUid, proxyArgs } from "./daemon/proxy-process.js";
import { httpProxyMainPath } from "./proxy/http-proxy-path.js";

/** A namespace without the redirect. */
const noRedirect: OwnedNatChainState = { owned: false, foreign: false, rules: [], hooks: [] };

/** What the daemon does for an ExecHTTPChaos on a pod it proxies nothing of yet. */
export interface HTTPInjectionCommands {
  /** The proxy started in the pod's network namespace, then the redirect installed (iptables-restore, its script in `redirectScript`). */
  argv: string[][];
  /** The iptables-restore script (stdin) that redirects the rules' server ports to the proxy. */
  redirectScript: string;
  /** The proxy's config.json, the TLS material left out. */
  config: string;
}

/**
 * The commands the daemon runs for an ExecHTTPChaos request on a pod without a proxy of ours,
 * built by the daemon's own builders with its defaults: the record `checkExecHttpRequest` reads
 * from the request, the proxy's listeners (`assignListeners`: the lowest ports from 15080 up that
 * nothing in the pod listens on — the plan assumes none does), the proxy (`podProcessArgv` with
 * `proxyArgs`, uid 2000080) started in the pod's network namespace with its config
 * (`proxyConfig`), then the redirect (`httpRedirect`, nat PREROUTING) by iptables-restore through
 * the runner's nsenter. A pod already proxied gets its config rewritten and a SIGHUP (and the
 * redirect of a new port). Host pids and the node's node binary are known on the node only.
 */
export function execHTTPChaosCommands(request: MessageInitShape<typeof ExecHTTPChaosRequestSchema>, caps: Pick<NodeCapabilities, "iptablesBackend">): HTTPInjectionCommands {
  const record = checkExecHttpRequest({ containerId: request.containerId ?? "", recordKey: request.recordKey ?? "", rules: request.rules ?? "", tls: request.tls ?? "" });
  const listeners = assignListeners(rulePorts([record]), [], new Set());
  const pid = hostPidOf(`container ${record.containerId}`);
  const command = { nsenter: "nsenter", setpriv: "setpriv", node: "node", main: `<daemon's ${basename(httpProxyMainPath())}>`, uid: defaultProxyUid, gid: defaultProxyUid };
  const cmds = iptablesCommands(caps.iptablesBackend === "legacy" ? "legacy" : "nf_tables", "");
  const config = proxyConfig({ records: [record], listeners });
  return {
    argv: [podProcessArgv(command, `/proc/${pid}/ns/net`, proxyArgs), inNamespacesArgv(pid, ["net"], [cmds.restore, "-w", "5", "--noflush"])],
    redirectScript: ownedNatChainInstallScript(httpRedirect(listeners), noRedirect),
    config: JSON.stringify({ ...config, tls: config.tls === null ? null : "<the TLS Secret's certificate and key>" }),
  };
}
