import { Code, ConnectError } from "@connectrpc/connect";
import type { IptablesCommands } from "@faultline/daemon-server";
import { NamespaceProcessError } from "@faultline/daemon-server";
import { refusalError } from "./kernel-refusal.js";
import { refuseForeignChains, replaceOwnedChains, type FamilyChains } from "./owned-iptables-chains.js";
import { trafficControlHooks, type TrafficControlPlan } from "./traffic-control-plan.js";
import type { TargetNetworkNamespace } from "./target-network-namespace.js";

/** The namespace's network devices (`ip -j link show`). */
export async function listDevices(ns: TargetNetworkNamespace): Promise<string[]> {
  const { stdout } = await ns.run(["ip", "-j", "link", "show"]);
  return (JSON.parse(stdout) as { ifname?: string }[]).map((l) => l.ifname).filter((n): n is string => typeof n === "string");
}

/** A device's root qdisc (`tc -j qdisc show`). */
export interface RootQdisc {
  device: string;
  kind: string;
  handle: string;
}

/** The namespace's root qdiscs, one per device that has one. */
export async function listRootQdiscs(ns: TargetNetworkNamespace): Promise<RootQdisc[]> {
  const { stdout } = await ns.run(["tc", "-j", "qdisc", "show"]);
  const all = JSON.parse(stdout === "" ? "[]" : stdout) as { dev?: string; kind?: string; handle?: string; root?: boolean }[];
  return all.filter((q) => q.root === true && typeof q.dev === "string").map((q) => ({ device: q.dev!, kind: q.kind ?? "", handle: q.handle ?? "" }));
}

/** The root qdisc kinds SetTcs installs, always as `root handle 1:` (traffic-control-plan.ts). */
export const faultlineRootKinds: readonly string[] = ["netem", "tbf", "prio", "htb"];

/** Whether a root qdisc is one SetTcs installs: handle 1: of one of its kinds. */
export function isFaultlineRoot(q: RootQdisc): boolean {
  return q.handle === "1:" && faultlineRootKinds.includes(q.kind);
}

/** Whether a root qdisc is the kernel's default (handle 0:: noqueue, pfifo_fast, mq, fq_codel…), which nobody installed. */
export function isDefaultRoot(q: RootQdisc): boolean {
  return q.handle === "0:";
}

/** The devices a plan's commands put qdiscs on. */
export function planDevices(commands: readonly (readonly string[])[]): string[] {
  const devices = new Set<string>();
  for (const c of commands) {
    const at = c.indexOf("dev");
    if (at >= 0 && c[at + 1] !== undefined) devices.add(c[at + 1]!);
  }
  return [...devices];
}

/**
 * Which root qdiscs a SetTcs may delete (Faultline's own), refusing with FailedPrecondition a plan
 * that would replace a root qdisc someone else installed (neither the kernel's default nor Faultline's).
 */
export function qdiscsToReplace(roots: readonly RootQdisc[], planned: readonly string[]): string[] {
  const foreign = roots.filter((q) => planned.includes(q.device) && !isDefaultRoot(q) && !isFaultlineRoot(q));
  if (foreign.length > 0) {
    throw new ConnectError(
      `the container's network namespace has root qdiscs Faultline did not install: ${foreign.map((q) => `${q.kind} handle ${q.handle} on ${q.device}`).join(", ")}; the daemon never deletes or replaces them`,
      Code.FailedPrecondition,
    );
  }
  return roots.filter(isFaultlineRoot).map((q) => q.device);
}

const toleratedDeleteErrors = /Cannot delete qdisc with handle of zero|No such file or directory|Invalid handle|Cannot find device/;

/** Splits `tc -batch` stderr into each failed line's number and what tc said before it. */
function batchFailures(stderr: string): { line: number; said: string }[] {
  const failures: { line: number; said: string }[] = [];
  let said: string[] = [];
  for (const l of stderr.split("\n")) {
    const m = /^Command failed -:(\d+)$/.exec(l.trim());
    if (m) {
      failures.push({ line: Number(m[1]), said: said.join("\n") });
      said = [];
    } else if (l.trim() !== "") said.push(l);
  }
  return failures;
}

/**
 * Runs tc commands (argv arrays starting with "tc") in one `tc -batch -` process, stopping at the
 * first the kernel refuses; the error then names that command alone, as if it had run by itself.
 */
export async function runTcBatch(ns: TargetNetworkNamespace, commands: readonly (readonly string[])[]): Promise<void> {
  if (commands.length === 0) return;
  try {
    await ns.run(["tc", "-batch", "-"], commands.map((c) => c.slice(1).join(" ")).join("\n") + "\n");
  } catch (error) {
    if (!(error instanceof NamespaceProcessError)) throw error;
    const failed = batchFailures(error.stderr)[0];
    const command = failed ? commands[failed.line - 1] : undefined;
    if (!failed || !command) throw error;
    throw new NamespaceProcessError(`${command.join(" ")} failed: ${failed.said}`, ["--", ...command], "exit-status", error.exitCode, failed.said + "\n");
  }
}

/** Deletes the root qdisc of each device in one `tc -force -batch` (callers pass only devices whose root is Faultline's); a device without one is fine. */
export async function deleteRootQdiscs(ns: TargetNetworkNamespace, devices: readonly string[]): Promise<void> {
  if (devices.length === 0) return;
  try {
    await ns.run(["tc", "-force", "-batch", "-"], devices.map((d) => `qdisc del dev ${d} root`).join("\n") + "\n");
  } catch (error) {
    if (!(error instanceof NamespaceProcessError) || error.reason !== "exit-status") throw error;
    const failures = batchFailures(error.stderr);
    const real = failures.find((f) => !toleratedDeleteErrors.test(f.said));
    if (failures.length === 0 || real) {
      const device = real ? devices[real.line - 1] : undefined;
      throw new NamespaceProcessError(error.message, ["--", "tc", "qdisc", "del", "dev", device ?? "?", "root"], "exit-status", error.exitCode, real?.said ?? error.stderr);
    }
  }
}

/**
 * Replaces the namespace's traffic control with `plan`: the root qdiscs Faultline installed
 * deleted (a plan for a device whose root qdisc someone else installed, or a FAULTLINE-TC chain
 * without the owner mark, is refused before anything changes), the plan's qdiscs and classes added,
 * the mangle chain FAULTLINE-TC replaced (one atomic restore per family). When the kernel refuses a step, what this call added is removed and `previous` (the plan
 * this daemon last put there, if it knows it) is put back, and the error names the node and the
 * missing piece.
 */
export async function replaceTrafficControl(
  ns: TargetNetworkNamespace,
  cmds: IptablesCommands,
  plan: TrafficControlPlan,
  options: { iptables: boolean; ipv6: boolean; previous: TrafficControlPlan | undefined },
): Promise<void> {
  const deleteOurs = async () => deleteRootQdiscs(ns, (await listRootQdiscs(ns)).filter(isFaultlineRoot).map((q) => q.device));
  const ours = qdiscsToReplace(await listRootQdiscs(ns), planDevices(plan.commands));
  if (options.iptables) {
    const families: FamilyChains[] = [{ family: "ipv4", desired: plan.mangle.ipv4 }];
    if (options.ipv6) families.push({ family: "ipv6", desired: plan.mangle.ipv6 });
    await refuseForeignChains(ns, cmds, "mangle", trafficControlHooks, families);
  }
  await deleteRootQdiscs(ns, ours);
  const restorePrevious = async (): Promise<string> => {
    await deleteOurs().catch(() => undefined);
    if (options.previous === undefined) {
      // unknown (the daemon restarted since): leave no traffic control of Faultline's at all, rules included
      if (options.iptables) {
        const none = { chains: new Map<string, string[]>(), hooks: [] };
        const families: FamilyChains[] = [{ family: "ipv4", desired: none }, ...(options.ipv6 ? [{ family: "ipv6" as const, desired: none }] : [])];
        await replaceOwnedChains(ns, cmds, "mangle", trafficControlHooks, families).catch(() => undefined);
      }
      return "nothing of this call was left applied (the namespace has no Faultline traffic control now)";
    }
    if (options.previous.commands.length === 0) return "nothing of this call was left applied (the previous traffic control was put back)";
    try {
      await runTcBatch(ns, options.previous.commands);
      return "nothing of this call was left applied (the previous traffic control was put back)";
    } catch {
      await deleteOurs().catch(() => undefined);
      return "nothing of this call was left applied, but the previous traffic control could not be put back (the namespace has no Faultline qdiscs now)";
    }
  };
  try {
    await runTcBatch(ns, plan.commands);
  } catch (error) {
    throw refusalError(error, ns.node, await restorePrevious());
  }
  if (!options.iptables) return; // planned without iptables rules (the handler checked)
  const families: FamilyChains[] = [{ family: "ipv4", desired: plan.mangle.ipv4 }];
  if (options.ipv6) families.push({ family: "ipv6", desired: plan.mangle.ipv6 });
  try {
    await replaceOwnedChains(ns, cmds, "mangle", trafficControlHooks, families);
  } catch (error) {
    throw refusalError(error, ns.node, await restorePrevious());
  }
}
