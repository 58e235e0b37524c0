import type { IptablesCommands } from "@faultline/daemon-server";
import type { TargetNetworkNamespace } from "../../network/daemon/target-network-namespace.js";
import {
  installOwnedNatChain,
  ownedNatChainIn,
  ownedNatChainInstallScript,
  ownedNatChainRemoveScript,
  removeOwnedNatChain,
  type OwnedNatChain,
  type OwnedNatChainState,
} from "../../pod-netns-process/owned-nat-chain.js";

/** The chain of the nat table the redirect lives in (owner-marked like NetworkChaos's chains). */
export const dnsChain = "FAULTLINE-DNS";

/** Who the interceptor runs as, and where it listens: what the redirect is made for. */
export interface DnsRedirectTarget {
  /** The interceptor's uid: its own queries upstream go out unredirected. */
  uid: number;
  /** The port port 53 is redirected to. */
  port: number;
}

/** The OUTPUT hooks' matches that send the pod's DNS traffic (UDP and TCP port 53) into {@link dnsChain}. */
export const dnsHookMatches: readonly string[] = ["-p udp --dport 53", "-p tcp --dport 53"];

/** The rules of {@link dnsChain} after its owner mark: the interceptor's own traffic returns, the rest goes to its port. */
export function dnsChainRules(target: DnsRedirectTarget): string[] {
  return [`-m owner --uid-owner ${target.uid} -j RETURN`, `-p udp -j REDIRECT --to-ports ${target.port}`, `-p tcp -j REDIRECT --to-ports ${target.port}`];
}

/** The redirect as an owned nat chain hooked from OUTPUT (`../../pod-netns-process/owned-nat-chain.ts`). */
export function dnsRedirect(target: DnsRedirectTarget): OwnedNatChain {
  return { chain: dnsChain, hookChain: "OUTPUT", hooks: dnsHookMatches, rules: dnsChainRules(target) };
}

/** What of the redirect a namespace's nat table holds now. */
export type DnsRedirectState = OwnedNatChainState;

/** The redirect's state in a saved nat table. */
export function dnsRedirectIn(saved: string): DnsRedirectState {
  return ownedNatChainIn(saved, dnsChain, "OUTPUT");
}

/** The iptables-restore script (`--noflush`, one atomic commit) that installs the redirect. */
export function installScript(target: DnsRedirectTarget, current: DnsRedirectState): string {
  return ownedNatChainInstallScript(dnsRedirect(target), current);
}

/** The script that removes the redirect: the hooks first, then the chain. */
export function removeScript(current: DnsRedirectState): string {
  return ownedNatChainRemoveScript(dnsChain, "OUTPUT", current);
}

/**
 * Installs the redirect in the namespace (UDP and TCP port 53 → the interceptor's port, its own
 * uid let through), in one atomic iptables-restore; nothing when it is there already as wanted.
 * A chain of that name without the owner mark is refused (FailedPrecondition) before anything changes.
 */
export async function installDnsRedirect(ns: TargetNetworkNamespace, cmds: IptablesCommands, target: DnsRedirectTarget): Promise<"installed" | "present"> {
  return installOwnedNatChain(ns, cmds, dnsRedirect(target));
}

/** Removes the redirect from the namespace; nothing when it is not there. Someone else's chain of the name is left alone. */
export async function removeDnsRedirect(ns: TargetNetworkNamespace, cmds: IptablesCommands): Promise<"removed" | "absent"> {
  return removeOwnedNatChain(ns, cmds, dnsChain, "OUTPUT");
}
