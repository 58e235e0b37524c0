import type { IptablesCommands } from "@faultline/daemon-server";
import type { TargetNetworkNamespace } from "../../network/daemon/target-network-namespace.js";
import { installOwnedNatChain, removeOwnedNatChain, type OwnedNatChain } from "../../pod-netns-process/owned-nat-chain.js";
import type { HttpListenerState } from "./http-state.js";

/** The chain of the nat table the redirect lives in (owner-marked like NetworkChaos's chains). */
export const httpChain = "FAULTLINE-HTTP";

/**
 * The redirect for the given listeners: PREROUTING sends incoming TCP into {@link httpChain}, which
 * redirects each server port to its proxy port. Only traffic ARRIVING at the pod is taken: the
 * proxy's own connections to the server are made inside the pod (OUTPUT), never seen here.
 */
export function httpRedirect(listeners: readonly HttpListenerState[]): OwnedNatChain {
  return { chain: httpChain, hookChain: "PREROUTING", hooks: ["-p tcp"], rules: listeners.map((l) => `-p tcp --dport ${l.serverPort} -j REDIRECT --to-ports ${l.proxyPort}`) };
}

/**
 * Makes the pod's redirect exactly these listeners', in one atomic iptables-restore (the chain is
 * declared, so emptied, and filled); none: the chain and its hook are removed. A chain of that name
 * that is not Faultline's is refused (FailedPrecondition).
 */
export async function setHttpRedirect(ns: TargetNetworkNamespace, cmds: IptablesCommands, listeners: readonly HttpListenerState[]): Promise<string> {
  if (listeners.length === 0) return removeOwnedNatChain(ns, cmds, httpChain, "PREROUTING");
  return installOwnedNatChain(ns, cmds, httpRedirect(listeners));
}
