import { randomBytes } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { IpsetFamily, IpsetType, ValidIpset } from "./network-request-validation.js";
import { temporaryIpsetPrefix } from "./network-request-validation.js";
import type { TargetNetworkNamespace } from "./target-network-namespace.js";

// Which sets are Faultline's: the daemon creates every set with the `comment` and `skbinfo`
// extensions together (its owner mark: Chaos Mesh's daemon, kube networking and CNI agents use
// neither), and marks a set it had to give up while something still referenced it by swapping in
// an empty set created with `comment skbinfo counters`. Both marks live in the namespace itself, so
// they survive daemon restarts. A set of a requested name without the mark is someone else's: the
// daemon refuses to swap, rename or destroy it.

/** One set of `ipset list -t`. */
export interface ListedIpset {
  name: string;
  type: string;
  family: IpsetFamily | undefined;
  references: number;
  /** created by Faultline (the comment and skbinfo extensions together) */
  owned: boolean;
  /** given up, to be destroyed once nothing references it (comment + skbinfo + counters) */
  stale: boolean;
}

/** Parses `ipset list -t` (terse: headers only). */
export function parseIpsetList(text: string): ListedIpset[] {
  const sets: ListedIpset[] = [];
  for (const block of text.split(/\n(?=Name: )/)) {
    const field = (key: string) => new RegExp(`^${key}: ?(.*)$`, "m").exec(block)?.[1]?.trim();
    const name = field("Name");
    if (!name) continue;
    const header = field("Header") ?? "";
    const family = /\bfamily (inet6?)\b/.exec(header)?.[1] as IpsetFamily | undefined;
    const owned = /\bcomment\b/.test(header) && /\bskbinfo\b/.test(header);
    sets.push({ name, type: field("Type") ?? "", family, references: Number(field("References") ?? 0), owned, stale: owned && /\bcounters\b/.test(header) });
  }
  return sets;
}

/** The extensions every set Faultline creates carries together: its owner mark. */
export const ipsetOwnerMark = "comment skbinfo";

/** The `create` line of a set as the daemon makes it (stale = the give-up mark). */
export function ipsetCreateLine(name: string, type: IpsetType, family: IpsetFamily | undefined, size: number, stale = false): string {
  const tail = stale ? `${ipsetOwnerMark} counters` : ipsetOwnerMark;
  if (type === "list:set") return `create ${name} list:set size ${Math.max(8, size)} ${tail}`;
  return `create ${name} ${type} family ${family ?? "inet"} maxelem ${Math.max(65536, size)} ${tail}`;
}

/** An `ipset restore` script creating `tmp` with the set's members. */
export function ipsetBuildScript(set: ValidIpset, tmp: string): string {
  const lines = [ipsetCreateLine(tmp, set.type, set.family, set.members.length)];
  for (const m of set.members) lines.push(`add ${tmp} ${m}`);
  return lines.join("\n") + "\n";
}

/** A set to destroy once nothing references it: given up, or a temporary set a crashed call left. */
export function isDoomed(s: ListedIpset): boolean {
  return s.owned && s.references === 0 && (s.stale || s.name.startsWith(temporaryIpsetPrefix));
}

/** Whether a listing holds sets a collection would destroy, or given-up sets still referenced. */
export function hasLeftovers(sets: readonly ListedIpset[]): boolean {
  return sets.some((s) => s.owned && (s.stale || s.name.startsWith(temporaryIpsetPrefix)));
}

/** Lists the namespace's sets. */
export async function listIpsets(ns: TargetNetworkNamespace): Promise<ListedIpset[]> {
  return parseIpsetList((await ns.run(["ipset", "list", "-t"])).stdout);
}

function tmpName(): string {
  return `${temporaryIpsetPrefix}${randomBytes(6).toString("hex")}`;
}

async function destroyQuietly(ns: TargetNetworkNamespace, name: string): Promise<void> {
  try {
    await ns.run(["ipset", "destroy", name]);
  } catch {
    // gone already, or still referenced: a later collection takes it
  }
}

/**
 * Destroys the sets Faultline gave up (and temporary sets a crashed call left) once nothing
 * references them, list:sets first so their members become free. Returns the names destroyed.
 */
export async function collectIpsets(ns: TargetNetworkNamespace, listed?: readonly ListedIpset[]): Promise<string[]> {
  const destroyed: string[] = [];
  for (let round = 0; round < 4; round++) {
    const sets = round === 0 && listed ? listed : await listIpsets(ns);
    const doomed = sets.filter(isDoomed);
    if (doomed.length === 0) break;
    doomed.sort((a, b) => Number(b.type === "list:set") - Number(a.type === "list:set"));
    for (const s of doomed) {
      try {
        await ns.run(["ipset", "destroy", s.name]);
        destroyed.push(s.name);
      } catch {
        // referenced by a list:set destroyed later in this round: the next round takes it
      }
    }
  }
  return destroyed;
}

/** What {@link replaceIpsets} did. */
export interface IpsetReplacement {
  created: string[];
  swapped: string[];
  givenUp: string[];
  destroyed: string[];
}

/**
 * Makes the namespace's Faultline ipsets exactly `desired`: each set is built under a temporary
 * name and swapped in (atomic for whoever matches on it) or renamed into place; sets of Faultline's
 * no longer desired are destroyed, or, while an iptables rule still references them, emptied
 * (swapped with an empty set carrying the give-up mark) and destroyed by a later call once free.
 * A failure while building changes nothing; a failure while swapping undoes the swaps made.
 */
export async function replaceIpsets(ns: TargetNetworkNamespace, desired: readonly ValidIpset[]): Promise<IpsetReplacement> {
  let listed = await listIpsets(ns);
  if (listed.some(isDoomed)) {
    await collectIpsets(ns, listed); // temporary sets of a call that died, given-up sets now free
    listed = await listIpsets(ns);
  }
  const existing = new Map(listed.map((s) => [s.name, s]));
  const result: IpsetReplacement = { created: [], swapped: [], givenUp: [], destroyed: [] };

  // refuse before anything changes: a set of someone else's, or one whose type cannot be swapped and is in use
  for (const [i, d] of desired.entries()) {
    const e = existing.get(d.name);
    if (e && !e.owned) {
      throw new ConnectError(
        `ipsets[${i}].name: ipset ${d.name} exists in the container's network namespace and is not Faultline's (created without its ${ipsetOwnerMark} mark); the daemon never swaps, renames or destroys it`,
        Code.FailedPrecondition,
      );
    }
    if (e && !compatible(e, d) && e.references > 0) {
      throw new ConnectError(
        `node ${ns.node}: ipset ${d.name} exists as ${e.type}${e.family ? ` ${e.family}` : ""} and is in use (${e.references} references); it cannot become ${d.type}${d.family ? ` ${d.family}` : ""} until the rules using it are removed`,
        Code.FailedPrecondition,
      );
    }
  }
  for (let i = 0; i < desired.length; i++) {
    for (const m of desired[i]!.type === "list:set" ? desired[i]!.members : []) {
      if (!desired.some((d) => d.name === m) && !existing.has(m)) {
        throw new ConnectError(`ipsets[${i}].setNames: ${m} is neither in the request nor in the container's network namespace`, Code.InvalidArgument);
      }
    }
  }

  // hash sets first: list:sets name them
  const tiers = [desired.filter((d) => d.type !== "list:set"), desired.filter((d) => d.type === "list:set")];
  const undo: (() => Promise<void>)[] = [];
  const leftovers: string[] = [];
  try {
    for (const tier of tiers) {
      const tmps = tier.map(() => tmpName());
      try {
        if (tier.length > 0) await ns.run(["ipset", "restore"], tier.map((d, i) => ipsetBuildScript(d, tmps[i]!)).join(""));
      } catch (error) {
        for (const t of tmps) await destroyQuietly(ns, t);
        throw error;
      }
      for (let i = 0; i < tier.length; i++) {
        const d = tier[i]!;
        const tmp = tmps[i]!;
        const e = existing.get(d.name);
        if (e && compatible(e, d)) {
          await ns.run(["ipset", "swap", tmp, d.name]);
          undo.push(() => ns.run(["ipset", "swap", tmp, d.name]).then(() => undefined));
          leftovers.push(tmp); // holds the old members now
          result.swapped.push(d.name);
        } else if (e) {
          // unreferenced, other type: keep the old one aside until the call has succeeded
          const aside = tmpName();
          await ns.run(["ipset", "rename", d.name, aside]);
          undo.push(() => ns.run(["ipset", "rename", aside, d.name]).then(() => undefined));
          await ns.run(["ipset", "rename", tmp, d.name]);
          undo.push(() => ns.run(["ipset", "rename", d.name, tmp]).then(() => undefined));
          leftovers.push(aside, tmp);
          result.created.push(d.name);
        } else {
          await ns.run(["ipset", "rename", tmp, d.name]);
          undo.push(() => ns.run(["ipset", "rename", d.name, tmp]).then(() => undefined));
          leftovers.push(tmp);
          result.created.push(d.name);
        }
      }
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    for (const t of leftovers) await destroyQuietly(ns, t);
    throw error;
  }
  for (const t of leftovers) await destroyQuietly(ns, t);

  // Faultline's sets no longer desired
  const wanted = new Set(desired.map((d) => d.name));
  const gone = [...existing.values()].filter((s) => s.owned && !s.stale && !wanted.has(s.name) && !s.name.startsWith(temporaryIpsetPrefix));
  gone.sort((a, b) => Number(b.type === "list:set") - Number(a.type === "list:set"));
  const referenced = gone.length === 0 ? new Map<string, number>() : new Map((await listIpsets(ns)).map((s) => [s.name, s.references]));
  for (const s of gone) {
    if ((referenced.get(s.name) ?? 0) === 0) {
      try {
        await ns.run(["ipset", "destroy", s.name]);
        result.destroyed.push(s.name);
        continue;
      } catch {
        // referenced after all: give it up below
      }
    }
    const empty = tmpName();
    await ns.run(["ipset", "restore"], ipsetCreateLine(empty, s.type as IpsetType, s.family, 0, true) + "\n");
    await ns.run(["ipset", "swap", empty, s.name]);
    await destroyQuietly(ns, empty);
    result.givenUp.push(s.name);
  }
  if (result.givenUp.length > 0 || result.destroyed.length > 0 || hasLeftovers(listed)) result.destroyed.push(...(await collectIpsets(ns)));
  return result;
}

function compatible(e: ListedIpset, d: ValidIpset): boolean {
  return e.type === d.type && (d.type === "list:set" || e.family === d.family);
}
