import type { NodeCapabilities } from "@faultline/api";
import type { ChainHook, OwnedChains } from "./owned-iptables-chains.js";
import type { IpsetFamilies } from "./partition-chains.js";
import type { ValidNetem, ValidTbf, ValidTc } from "./network-request-validation.js";

/** SetTcs' own mangle chain, hooked from POSTROUTING: CLASSIFY rules for per-target shaping, statistic drops for netem-less loss. */
export const trafficControlHooks: readonly ChainHook[] = [{ builtin: "POSTROUTING", chain: "FAULTLINE-TC" }];

/** How a device's per-target tcs are laid out. */
export type FilteredLayout = "prio" | "htb";

/** Everything SetTcs does in a namespace, decided before anything runs. */
export interface TrafficControlPlan {
  /** `tc qdisc add …` / `tc class add …` argv, in order (after every device's root qdisc is deleted). */
  commands: string[][];
  /** The mangle table's FAULTLINE-TC chain per family (empty chains map = none). */
  mangle: { ipv4: OwnedChains; ipv6: OwnedChains };
  /** Per device, the layout used for its per-target tcs. */
  layouts: Map<string, FilteredLayout>;
  /** What the plan does differently from Chaos Mesh's layout, and why (e.g. loss without sch_netem). */
  notes: string[];
}

const hex = (n: number) => n.toString(16);
/** Chaos Mesh prints percentages with Go's %f. */
const percent = (p: number) => p.toFixed(6);

/** tc's time syntax for microseconds: "10ms", "1s", "250us". */
export function tcTime(us: number): string {
  if (us % 1_000_000 === 0) return `${us / 1_000_000}s`;
  if (us % 1000 === 0) return `${us / 1000}ms`;
  return `${us}us`;
}

/**
 * netem's arguments in Chaos Mesh's order: `delay <time> [<jitter> [<corr>]] [reorder <pct> [<corr>]
 * [gap <n>]]` when there is a delay, then `[limit N] [loss <pct> [<corr>]] [duplicate …] [corrupt …] [rate R]`.
 */
export function netemArgs(n: ValidNetem): string[] {
  const args: string[] = [];
  if (n.delayUs > 0) {
    args.push("delay", tcTime(n.delayUs));
    if (n.jitterUs > 0) {
      args.push(tcTime(n.jitterUs));
      if (n.delayCorr > 0) args.push(percent(n.delayCorr));
    }
    if (n.reorder > 0) {
      args.push("reorder", percent(n.reorder));
      if (n.reorderCorr > 0) args.push(percent(n.reorderCorr));
      if (n.gap > 0) args.push("gap", String(n.gap));
    }
  }
  if (n.limit > 0) args.push("limit", String(n.limit));
  const pair = (name: string, p: number, corr: number) => {
    if (p > 0) args.push(name, percent(p), ...(corr > 0 ? [percent(corr)] : []));
  };
  pair("loss", n.loss, n.lossCorr);
  pair("duplicate", n.duplicate, n.duplicateCorr);
  pair("corrupt", n.corrupt, n.corruptCorr);
  if (n.rate !== "") args.push("rate", n.rate);
  return args;
}

/** tbf's arguments, Chaos Mesh's: `rate R burst B limit L [peakrate P mtu M]`. */
export function tbfArgs(t: ValidTbf): string[] {
  const args = ["rate", t.rate, "burst", String(t.buffer), "limit", String(t.limit)];
  if (t.peakRate > 0n) args.push("peakrate", `${t.peakRate}bit`, "mtu", String(t.minBurst));
  return args;
}

/** Loss alone, without correlation: what iptables' statistic match can do when the node has no netem. */
export function isPlainLoss(n: ValidNetem): boolean {
  return (
    n.loss > 0 && n.lossCorr === 0 && n.delayUs === 0 && n.jitterUs === 0 && n.duplicate === 0 && n.corrupt === 0 && n.reorder === 0 && n.gap === 0 && n.rate === ""
  );
}

function qdiscArgs(tc: ValidTc): string[] {
  return tc.kind === "netem" ? ["netem", ...netemArgs(tc.netem)] : ["tbf", ...tbfArgs(tc.tbf)];
}

interface Group {
  ipset: string;
  protocol: string;
  tcs: ValidTc[];
}

/**
 * Plans SetTcs for one namespace. Per device: tcs without ipset and protocol stack as Chaos Mesh's
 * global chain (`root handle 1:`, then `parent i: handle i+1:`); per-target tcs (grouped by ipset
 * and protocol) hang under Chaos Mesh's prio qdisc (bands 3+F, three sfq for ordinary traffic, one
 * band per group) where the node has prio and sfq, or else under an htb qdisc (class 1 for ordinary
 * traffic, one class per group); either way a mangle rule `-m set --match-set <ipset> dst,dst -j
 * CLASSIFY --set-class` picks the group's band or class. A netem that is plain loss becomes an
 * iptables `statistic` drop on a node without netem.
 */
export function planTrafficControl(tcs: readonly ValidTc[], caps: NodeCapabilities, ipsetFamilies: IpsetFamilies): TrafficControlPlan {
  const commands: string[][] = [];
  const mangleRules: { rule: string; ipset: string }[] = [];
  const notes: string[] = [];
  const layouts = new Map<string, FilteredLayout>();
  const netemMissing = !caps.qdiscs.includes("netem");
  const prioLayout = caps.qdiscs.includes("prio") && caps.qdiscs.includes("sfq");

  const byDevice = new Map<string, ValidTc[]>();
  for (const tc of tcs) byDevice.set(tc.device, [...(byDevice.get(tc.device) ?? []), tc]);

  for (const [device, list] of byDevice) {
    const tc = (...args: string[]) => commands.push(["tc", ...args]);
    const fallbackLoss = (t: ValidTc, match: string[]) => {
      if (t.kind === "netem" && netemMissing && isPlainLoss(t.netem)) {
        mangleRules.push({ rule: ["-o", device, ...match, "-m", "statistic", "--mode", "random", "--probability", (t.netem.loss / 100).toFixed(6), "-j", "DROP"].join(" "), ipset: t.ipset });
        notes.push(`loss ${t.netem.loss}% on ${device}${t.ipset ? ` to ${t.ipset}` : ""} by iptables statistic: this node has no sch_netem`);
        return true;
      }
      return false;
    };
    const match = (g: { ipset: string; protocol: string }) => [
      ...(g.protocol ? ["-p", g.protocol] : []),
      ...(g.ipset ? ["-m", "set", "--match-set", g.ipset, "dst,dst"] : []),
    ];

    // global chain
    let handle = 0;
    for (const t of list.filter((t) => t.ipset === "" && t.protocol === "")) {
      if (fallbackLoss(t, [])) continue;
      tc("qdisc", "add", "dev", device, ...(handle === 0 ? ["root"] : ["parent", `${hex(handle)}:`]), "handle", `${hex(handle + 1)}:`, ...qdiscArgs(t));
      handle++;
    }

    // per-target groups
    const groups: Group[] = [];
    for (const t of list.filter((t) => t.ipset !== "" || t.protocol !== "")) {
      let g = groups.find((x) => x.ipset === t.ipset && x.protocol === t.protocol);
      if (!g) groups.push((g = { ipset: t.ipset, protocol: t.protocol, tcs: [] }));
      if (!fallbackLoss(t, match(g))) g.tcs.push(t);
    }
    const shaped = groups.filter((g) => g.tcs.length > 0);
    if (shaped.length === 0) continue;
    const n = handle;
    const parent = n === 0 ? ["root"] : ["parent", `${hex(n)}:`];
    const top = n + 1;
    let next: number;
    let band: (j: number) => number;
    if (prioLayout) {
      layouts.set(device, "prio");
      if (3 + shaped.length > 16) throw new RangeError(`${device}: prio has at most 16 bands, so at most 13 target groups (got ${shaped.length})`);
      tc("qdisc", "add", "dev", device, ...parent, "handle", `${hex(top)}:`, "prio", "bands", String(3 + shaped.length), "priomap", ..."1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1".split(" "));
      for (let k = 1; k <= 3; k++) tc("qdisc", "add", "dev", device, "parent", `${hex(top)}:${hex(k)}`, "handle", `${hex(top + k)}:`, "sfq");
      next = top + 4;
      band = (j) => j + 4;
    } else {
      layouts.set(device, "htb");
      notes.push(`per-target tcs on ${device} under htb classes: this node has no ${["prio", "sfq"].filter((q) => !caps.qdiscs.includes(q)).join(" or ")}`);
      tc("qdisc", "add", "dev", device, ...parent, "handle", `${hex(top)}:`, "htb", "default", "1");
      tc("class", "add", "dev", device, "parent", `${hex(top)}:`, "classid", `${hex(top)}:1`, "htb", "rate", "100gbit", "quantum", "60000");
      for (let j = 0; j < shaped.length; j++) tc("class", "add", "dev", device, "parent", `${hex(top)}:`, "classid", `${hex(top)}:${hex(j + 2)}`, "htb", "rate", "100gbit", "quantum", "60000");
      next = top + 1;
      band = (j) => j + 2;
    }
    shaped.forEach((g, j) => {
      const classid = `${hex(top)}:${hex(band(j))}`;
      g.tcs.forEach((t, i) => {
        tc("qdisc", "add", "dev", device, "parent", i === 0 ? classid : `${hex(next - 1)}:`, "handle", `${hex(next)}:`, ...qdiscArgs(t));
        next++;
      });
      mangleRules.push({ rule: ["-o", device, ...match(g), "-j", "CLASSIFY", "--set-class", classid].join(" "), ipset: g.ipset });
    });
  }

  // drops before classification
  mangleRules.sort((a, b) => Number(a.rule.includes("CLASSIFY")) - Number(b.rule.includes("CLASSIFY")));
  const forFamily = (want: "inet" | "inet6"): OwnedChains => {
    const rules = mangleRules.filter((r) => r.ipset === "" || (ipsetFamilies.get(r.ipset) ?? want) === want).map((r) => r.rule);
    return rules.length === 0 ? { chains: new Map(), hooks: [] } : { chains: new Map([["FAULTLINE-TC", rules]]), hooks: [...trafficControlHooks] };
  };
  return { commands, mangle: { ipv4: forFamily("inet"), ipv6: forFamily("inet6") }, layouts, notes };
}
