import { Code, ConnectError } from "@connectrpc/connect";
import type { IptablesCommands } from "@faultline/daemon-server";
import { chainOwnerMarkRule, isChainOwnerMark, parseIptablesSave } from "../../network/daemon/owned-iptables-chains.js";
import type { TargetNetworkNamespace } from "../../network/daemon/target-network-namespace.js";

/** The chain of the nat table the redirect lives in (owner-marked like NetworkChaos's chains). */
export const dnsChain = "FAULTLINE-DNS";

/** Who the interceptor runs as, and where it listens: what the redirect is made for. */
export interface DnsRedirectTarget {
  /** The interceptor's uid: its own queries upstream go out unredirected. */
  uid: number;
  /** The port port 53 is redirected to. */
  port: number;
}

/** The OUTPUT rules that send the pod's DNS traffic (UDP and TCP port 53) into {@link dnsChain}. */
export const dnsHookRules: readonly string[] = [`-p udp --dport 53 -j ${dnsChain}`, `-p tcp --dport 53 -j ${dnsChain}`];

/** The rules of {@link dnsChain} after its owner mark: the interceptor's own traffic returns, the rest goes to its port. */
export function dnsChainRules(target: DnsRedirectTarget): string[] {
  return [`-m owner --uid-owner ${target.uid} -j RETURN`, `-p udp -j REDIRECT --to-ports ${target.port}`, `-p tcp -j REDIRECT --to-ports ${target.port}`];
}

/** What of the redirect a namespace's nat table holds now. */
export interface DnsRedirectState {
  /** The chain exists with the owner mark. */
  owned: boolean;
  /** The chain exists without it (someone else's: never touched). */
  foreign: boolean;
  /** Its rules after the mark. */
  rules: string[];
  /** The OUTPUT rules jumping to it, as iptables-save prints them (what `-D OUTPUT` takes). */
  hooks: string[];
}

/** Reads the redirect's state from `iptables-save -t nat` in the namespace. */
export async function readDnsRedirect(ns: TargetNetworkNamespace, cmds: IptablesCommands): Promise<DnsRedirectState> {
  const { stdout } = await ns.run([cmds.save, "-t", "nat"]);
  return dnsRedirectIn(stdout);
}

/** The redirect's state in a saved nat table. */
export function dnsRedirectIn(saved: string): DnsRedirectState {
  const chains = parseIptablesSave(saved);
  const rules = chains.get(dnsChain);
  const owned = rules !== undefined && rules.length > 0 && isChainOwnerMark(rules[0]!);
  const hooks = (chains.get("OUTPUT") ?? []).filter((r) => r.endsWith(`-j ${dnsChain}`));
  return { owned, foreign: rules !== undefined && !owned, rules: owned ? rules.slice(1) : [], hooks };
}

/**
 * The iptables-restore script (`--noflush`, one atomic commit) that installs the redirect: the
 * chain declared (so emptied) and filled, and the two OUTPUT hooks added unless already there.
 */
export function installScript(target: DnsRedirectTarget, current: DnsRedirectState): string {
  const lines = ["*nat", `:${dnsChain} - [0:0]`, `-A ${dnsChain} ${chainOwnerMarkRule}`, ...dnsChainRules(target).map((r) => `-A ${dnsChain} ${r}`)];
  const protocols = ["udp", "tcp"].filter((p) => !current.hooks.some((h) => h.includes(`-p ${p}`)));
  for (const p of protocols) lines.push(`-I OUTPUT 1 -p ${p} --dport 53 -j ${dnsChain}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}

/** The script that removes the redirect: the hooks first, then the chain. */
export function removeScript(current: DnsRedirectState): string {
  return ["*nat", ...current.hooks.map((h) => `-D OUTPUT ${h}`), `-F ${dnsChain}`, `-X ${dnsChain}`, "COMMIT", ""].join("\n");
}

const foreignError = (ns: TargetNetworkNamespace) =>
  new ConnectError(
    `node ${ns.node}: iptables chain ${dnsChain} (table nat) exists in the pod's network namespace and is not Faultline's (no faultline:owned mark rule); the daemon never flushes, replaces or deletes it`,
    Code.FailedPrecondition,
  );

/**
 * Installs the redirect in the namespace (UDP and TCP port 53 → the interceptor's port, its own
 * uid let through), in one atomic iptables-restore; nothing when it is there already as wanted.
 * A chain of that name without the owner mark is refused (FailedPrecondition) before anything changes.
 */
export async function installDnsRedirect(ns: TargetNetworkNamespace, cmds: IptablesCommands, target: DnsRedirectTarget): Promise<"installed" | "present"> {
  const current = await readDnsRedirect(ns, cmds);
  if (current.foreign) throw foreignError(ns);
  const want = dnsChainRules(target);
  const complete = current.owned && current.hooks.length === 2 && current.rules.length === want.length && want.every((r) => current.rules.some((c) => sameRule(c, r)));
  if (complete) return "present";
  await ns.run([cmds.restore, "-w", "5", "--noflush"], installScript(target, current));
  return "installed";
}

/** Removes the redirect from the namespace; nothing when it is not there. Someone else's chain of the name is left alone. */
export async function removeDnsRedirect(ns: TargetNetworkNamespace, cmds: IptablesCommands): Promise<"removed" | "absent"> {
  const current = await readDnsRedirect(ns, cmds);
  if (!current.owned) return "absent";
  await ns.run([cmds.restore, "-w", "5", "--noflush"], removeScript(current));
  return "removed";
}

// iptables-save spells a rule out in full (`-p udp -m udp ...`, `-m owner --uid-owner 2000053`): compare by the words asked for
function sameRule(saved: string, wanted: string): boolean {
  const words = saved.split(/\s+/);
  return wanted.split(/\s+/).every((w) => words.includes(w)) && saved.includes(wanted.split(" -j ")[1] ?? wanted);
}
