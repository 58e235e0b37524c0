import type { IptablesCommands } from "@faultline/daemon-server";
import { NamespaceProcessError } from "@faultline/daemon-server";
import { refusalError } from "./kernel-refusal.js";
import { replaceOwnedChains, type FamilyChains } from "./owned-iptables-chains.js";
import { trafficControlHooks, type TrafficControlPlan } from "./traffic-control-plan.js";
import type { TargetNetworkNamespace } from "./target-network-namespace.js";

/** The namespace's network devices (`ip -j link show`). */
export async function listDevices(ns: TargetNetworkNamespace): Promise<string[]> {
  const { stdout } = await ns.run(["ip", "-j", "link", "show"]);
  return (JSON.parse(stdout) as { ifname?: string }[]).map((l) => l.ifname).filter((n): n is string => typeof n === "string");
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

/** Deletes the root qdisc of every device in one `tc -force -batch`, as Chaos Mesh's SetTcs does first; a device without one is fine. */
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
 * Replaces the namespace's traffic control with `plan`: every device's root qdisc deleted, the
 * plan's qdiscs and classes added, the mangle chain FAULTLINE-TC replaced (one atomic restore per
 * family). When the kernel refuses a step, what this call added is removed and `previous` (the plan
 * this daemon last put there, if it knows it) is put back, and the error names the node and the
 * missing piece.
 */
export async function replaceTrafficControl(
  ns: TargetNetworkNamespace,
  cmds: IptablesCommands,
  plan: TrafficControlPlan,
  options: { devices: readonly string[]; iptables: boolean; ipv6: boolean; previous: TrafficControlPlan | undefined },
): Promise<void> {
  const devices = options.devices;
  await deleteRootQdiscs(ns, devices);
  const restorePrevious = async (): Promise<string> => {
    await deleteRootQdiscs(ns, devices).catch(() => undefined);
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
      await deleteRootQdiscs(ns, devices).catch(() => undefined);
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
