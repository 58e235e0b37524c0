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

/** Deletes the root qdisc of every device, as Chaos Mesh's SetTcs does first; a device without one is fine. */
export async function deleteRootQdiscs(ns: TargetNetworkNamespace, devices: readonly string[]): Promise<void> {
  for (const d of devices) {
    try {
      await ns.run(["tc", "qdisc", "del", "dev", d, "root"]);
    } catch (error) {
      const said = error instanceof NamespaceProcessError ? error.stderr : "";
      if (!/Cannot delete qdisc with handle of zero|No such file or directory|Invalid handle|Cannot find device/.test(said)) throw error;
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
  options: { iptables: boolean; ipv6: boolean; previous: TrafficControlPlan | undefined },
): Promise<void> {
  const devices = await listDevices(ns);
  await deleteRootQdiscs(ns, devices);
  const restorePrevious = async (): Promise<string> => {
    await deleteRootQdiscs(ns, devices).catch(() => undefined);
    if (options.previous === undefined || options.previous.commands.length === 0) {
      return "nothing of this call was left applied (the namespace has no Faultline qdiscs now)";
    }
    try {
      for (const c of options.previous.commands) await ns.run(c);
      return "nothing of this call was left applied (the previous traffic control was put back)";
    } catch {
      await deleteRootQdiscs(ns, devices).catch(() => undefined);
      return "nothing of this call was left applied, but the previous traffic control could not be put back (the namespace has no Faultline qdiscs now)";
    }
  };
  try {
    for (const c of plan.commands) await ns.run(c);
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
