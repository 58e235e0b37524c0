import { Code, ConnectError } from "@connectrpc/connect";
import type { IptablesCommands } from "@faultline/daemon-server";
import type { TargetNetworkNamespace } from "./target-network-namespace.js";

/** A hook: a built-in chain jumping to one of the daemon's chains (`-I INPUT 1 -j CHAOS-INPUT`). */
export interface ChainHook {
  builtin: string;
  chain: string;
}

/**
 * The first rule of every chain the daemon makes, its owner mark (a chain has no comment of its
 * own; a rule with a comment match and no target changes nothing). A chain without it is someone
 * else's, whatever its name: the daemon never flushes, fills or deletes it.
 */
export const chainOwnerMarkRule = '-m comment --comment "faultline:owned"';

/** Whether a saved rule (what follows `-A <chain> `) is the owner mark; iptables-save may drop the quotes. */
export function isChainOwnerMark(rule: string): boolean {
  return /^-m comment --comment "?faultline:owned"?$/.test(rule.trim());
}

/** The daemon's chains of one table: each with its rules, as `iptables-save` prints them after the chain name. */
export interface OwnedChains {
  /** chain → rule specs (what follows `-A <chain> `), the owner mark left out */
  chains: Map<string, string[]>;
  /** the hooks that exist */
  hooks: ChainHook[];
  /** read from a table: its chains that are not the daemon's (built-in ones included) */
  others?: Set<string>;
}

/** One table of `iptables-save -t <table>`: its chains and its rules, by chain. */
export function parseIptablesSave(text: string): Map<string, string[]> {
  const chains = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const decl = /^:(\S+) /.exec(line);
    if (decl) chains.set(decl[1]!, chains.get(decl[1]!) ?? []);
    const rule = /^-A (\S+) (.*)$/.exec(line);
    if (rule) {
      const list = chains.get(rule[1]!) ?? [];
      list.push(rule[2]!);
      chains.set(rule[1]!, list);
    }
  }
  return chains;
}

/**
 * The daemon's chains in a saved table: those whose first rule is the owner mark, and which of the
 * hooks exist (a built-in chain jumping to an owned hook chain). Everything else in the table is
 * someone else's and never touched.
 */
export function ownedChains(saved: Map<string, string[]>, hooks: readonly ChainHook[]): OwnedChains {
  const chains = new Map<string, string[]>();
  const others = new Set<string>();
  for (const [name, rules] of saved) {
    if (rules.length > 0 && isChainOwnerMark(rules[0]!)) chains.set(name, rules.slice(1));
    else others.add(name);
  }
  const present = hooks.filter((h) => chains.has(h.chain) && (saved.get(h.builtin) ?? []).some((r) => r === `-j ${h.chain}`));
  return { chains, hooks: present, others };
}

/** The chains `desired` would create or fill that exist in the table as someone else's. */
export function foreignChainsIn(current: OwnedChains, desired: OwnedChains): string[] {
  const names = new Set([...desired.chains.keys(), ...desired.hooks.map((h) => h.chain)]);
  return [...names].filter((n) => current.others?.has(n));
}

/**
 * The `iptables-restore --noflush` script that turns the table's `current` daemon chains into
 * `desired`, in one atomic commit: hooks removed or added, desired chains declared (so flushed) and
 * filled, chains no longer desired flushed and deleted. `desired` with no chains removes everything.
 */
export function replaceScript(table: string, current: OwnedChains, desired: OwnedChains): string {
  const lines = [`*${table}`];
  const wantHook = (h: ChainHook) => desired.hooks.some((d) => d.builtin === h.builtin && d.chain === h.chain);
  const hasHook = (h: ChainHook) => current.hooks.some((c) => c.builtin === h.builtin && c.chain === h.chain);
  for (const h of current.hooks) if (!wantHook(h)) lines.push(`-D ${h.builtin} -j ${h.chain}`);
  for (const name of desired.chains.keys()) lines.push(`:${name} - [0:0]`);
  for (const [name, rules] of desired.chains) for (const r of [chainOwnerMarkRule, ...rules]) lines.push(`-A ${name} ${r}`);
  const stale = [...current.chains.keys()].filter((c) => !desired.chains.has(c));
  for (const c of stale) lines.push(`-F ${c}`);
  for (const c of stale) lines.push(`-X ${c}`);
  for (const h of desired.hooks) if (!hasHook(h)) lines.push(`-I ${h.builtin} 1 -j ${h.chain}`);
  lines.push("COMMIT", "");
  return lines.join("\n");
}

/** The table's daemon chains, read now. */
export async function readOwnedChains(ns: TargetNetworkNamespace, save: string, table: string, hooks: readonly ChainHook[]): Promise<OwnedChains> {
  const { stdout } = await ns.run([save, "-t", table]);
  return ownedChains(parseIptablesSave(stdout), hooks);
}

/**
 * Refuses, before anything changes, when a chain the families' desired state would create exists
 * in the namespace as someone else's (FailedPrecondition naming it).
 */
export async function refuseForeignChains(
  ns: TargetNetworkNamespace,
  cmds: IptablesCommands,
  table: string,
  hooks: readonly ChainHook[],
  families: readonly FamilyChains[],
): Promise<void> {
  for (const f of families) {
    const before = await readOwnedChains(ns, f.family === "ipv4" ? cmds.save : cmds.ip6save, table, hooks);
    throwIfForeign(ns, table, f.family, foreignChainsIn(before, f.desired));
  }
}

function throwIfForeign(ns: TargetNetworkNamespace, table: string, family: string, foreign: readonly string[]): void {
  if (foreign.length === 0) return;
  const many = foreign.length > 1;
  throw new ConnectError(
    `node ${ns.node}: iptables chain${many ? "s" : ""} ${foreign.join(", ")} (table ${table}, ${family}) exist${many ? "" : "s"} in the container's network namespace and ${many ? "are" : "is"} not Faultline's (no faultline:owned mark rule); the daemon never flushes, replaces or deletes ${many ? "them" : "it"}`,
    Code.FailedPrecondition,
  );
}

/** One address family's part of a replacement. */
export interface FamilyChains {
  family: "ipv4" | "ipv6";
  desired: OwnedChains;
}

/**
 * Replaces the daemon's chains of `table` in each family, each family one atomic
 * iptables-restore; if a later family fails, the families already committed are put back as
 * they were, so the call leaves nothing half-applied. A desired chain (or hook chain) that exists
 * without the owner mark is refused with FailedPrecondition naming it, before anything changes.
 * Returns the scripts that ran.
 */
export async function replaceOwnedChains(
  ns: TargetNetworkNamespace,
  cmds: IptablesCommands,
  table: string,
  hooks: readonly ChainHook[],
  families: readonly FamilyChains[],
): Promise<string[]> {
  const scripts: string[] = [];
  const committed: { restore: string; save: string; before: OwnedChains }[] = [];
  try {
    for (const f of families) {
      const save = f.family === "ipv4" ? cmds.save : cmds.ip6save;
      const restore = f.family === "ipv4" ? cmds.restore : cmds.ip6restore;
      const before = await readOwnedChains(ns, save, table, hooks);
      throwIfForeign(ns, table, f.family, foreignChainsIn(before, f.desired));
      if (before.chains.size === 0 && before.hooks.length === 0 && f.desired.chains.size === 0) continue; // nothing there, nothing wanted
      const script = replaceScript(table, before, f.desired);
      await ns.run([restore, "-w", "5", "--noflush"], script);
      scripts.push(script);
      committed.push({ restore, save, before });
    }
  } catch (error) {
    for (const c of committed.reverse()) {
      const now = await readOwnedChains(ns, c.save, table, hooks).catch(() => undefined);
      if (now) await ns.run([c.restore, "-w", "5", "--noflush"], replaceScript(table, now, c.before)).catch(() => undefined);
    }
    throw error;
  }
  return scripts;
}
