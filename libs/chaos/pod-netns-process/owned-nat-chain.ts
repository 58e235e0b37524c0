import { Code, ConnectError } from "@connectrpc/connect";
import type { IptablesCommands } from "@faultline/daemon-server";
import { chainOwnerMarkRule, isChainOwnerMark, parseIptablesSave } from "../network/daemon/owned-iptables-chains.js";
import type { TargetNetworkNamespace } from "../network/daemon/target-network-namespace.js";

/**
 * A redirect kept in one owner-marked chain of a pod's nat table, hooked from a built-in chain:
 * DNSChaos's (OUTPUT, port 53) and HTTPChaos's (PREROUTING, the rules' ports).
 */
export interface OwnedNatChain {
  /** The chain, e.g. `FAULTLINE-DNS`. */
  chain: string;
  /** The built-in chain that jumps to it, e.g. `OUTPUT`. */
  hookChain: string;
  /** The hooks' matches, each installed as `-I <hookChain> 1 <match> -j <chain>`, in this order. */
  hooks: readonly string[];
  /** The chain's rules after its owner mark. */
  rules: readonly string[];
}

/** What of an owned chain a namespace's nat table holds now. */
export interface OwnedNatChainState {
  /** The chain exists with the owner mark. */
  owned: boolean;
  /** The chain exists without it (someone else's: never touched). */
  foreign: boolean;
  /** Its rules after the mark. */
  rules: string[];
  /** The hook chain's rules jumping to it, as iptables-save prints them (what `-D` takes). */
  hooks: string[];
}

/** The chain's state in a saved nat table. */
export function ownedNatChainIn(saved: string, chain: string, hookChain: string): OwnedNatChainState {
  const chains = parseIptablesSave(saved);
  const rules = chains.get(chain);
  const owned = rules !== undefined && rules.length > 0 && isChainOwnerMark(rules[0]!);
  const hooks = (chains.get(hookChain) ?? []).filter((r) => r.endsWith(`-j ${chain}`));
  return { owned, foreign: rules !== undefined && !owned, rules: owned ? rules.slice(1) : [], hooks };
}

/** Reads the chain's state from `iptables-save -t nat` in the namespace. */
export async function readOwnedNatChain(ns: TargetNetworkNamespace, cmds: IptablesCommands, chain: string, hookChain: string): Promise<OwnedNatChainState> {
  const { stdout } = await ns.run([cmds.save, "-t", "nat"]);
  return ownedNatChainIn(stdout, chain, hookChain);
}

/**
 * The iptables-restore script (`--noflush`, one atomic commit) that installs the chain: declared
 * (so emptied) and filled, and the hooks added unless already there.
 */
export function ownedNatChainInstallScript(want: OwnedNatChain, current: OwnedNatChainState): string {
  const lines = ["*nat", `:${want.chain} - [0:0]`, `-A ${want.chain} ${chainOwnerMarkRule}`, ...want.rules.map((r) => `-A ${want.chain} ${r}`)];
  for (const hook of want.hooks) {
    if (!current.hooks.some((h) => sameRule(h, `${hook} -j ${want.chain}`))) lines.push(`-I ${want.hookChain} 1 ${hook} -j ${want.chain}`);
  }
  lines.push("COMMIT", "");
  return lines.join("\n");
}

/** The script that removes the chain: the hooks first, then the chain. */
export function ownedNatChainRemoveScript(chain: string, hookChain: string, current: OwnedNatChainState): string {
  return ["*nat", ...current.hooks.map((h) => `-D ${hookChain} ${h}`), `-F ${chain}`, `-X ${chain}`, "COMMIT", ""].join("\n");
}

const foreignError = (ns: TargetNetworkNamespace, chain: string) =>
  new ConnectError(
    `node ${ns.node}: iptables chain ${chain} (table nat) exists in the pod's network namespace and is not Faultline's (no faultline:owned mark rule); the daemon never flushes, replaces or deletes it`,
    Code.FailedPrecondition,
  );

/**
 * Installs the chain and its hooks in the namespace in one atomic iptables-restore; nothing when
 * it is there already as wanted. A chain of that name without the owner mark is refused
 * (FailedPrecondition) before anything changes.
 */
export async function installOwnedNatChain(ns: TargetNetworkNamespace, cmds: IptablesCommands, want: OwnedNatChain): Promise<"installed" | "present"> {
  const current = await readOwnedNatChain(ns, cmds, want.chain, want.hookChain);
  if (current.foreign) throw foreignError(ns, want.chain);
  const complete =
    current.owned &&
    current.hooks.length === want.hooks.length &&
    want.hooks.every((h) => current.hooks.some((c) => sameRule(c, `${h} -j ${want.chain}`))) &&
    current.rules.length === want.rules.length &&
    want.rules.every((r, i) => sameRule(current.rules[i]!, r));
  if (complete) return "present";
  await ns.run([cmds.restore, "-w", "5", "--noflush"], ownedNatChainInstallScript(want, current));
  return "installed";
}

/** Removes the chain and its hooks from the namespace; nothing when it is not there. Someone else's chain of the name is left alone. */
export async function removeOwnedNatChain(ns: TargetNetworkNamespace, cmds: IptablesCommands, chain: string, hookChain: string): Promise<"removed" | "absent"> {
  const current = await readOwnedNatChain(ns, cmds, chain, hookChain);
  if (!current.owned) return "absent";
  await ns.run([cmds.restore, "-w", "5", "--noflush"], ownedNatChainRemoveScript(chain, hookChain, current));
  return "removed";
}

// iptables-save spells a rule out in full (`-p udp -m udp ...`, `-m owner --uid-owner 2000053`): compare by the words asked for
function sameRule(saved: string, wanted: string): boolean {
  const words = saved.split(/\s+/);
  return wanted.split(/\s+/).every((w) => words.includes(w)) && saved.includes(wanted.split(" -j ")[1] ?? wanted);
}
