import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import type { NodeCapabilities } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { HostNamespaces, iptablesCommands, namespaceIdentity, nodeCapabilityProbeFor, requestLogger, type DaemonHandlers } from "@faultline/daemon-server";
import { collectIpsets, hasLeftovers, listIpsets, replaceIpsets, type ListedIpset } from "./ipset-state.js";
import { refusalError } from "./kernel-refusal.js";
import { KeyedLock } from "../../pod-netns-process/keyed-lock.js";
import { NetworkRequestError, validChains, validIpsets, validTcs } from "./network-request-validation.js";
import { replaceOwnedChains, type FamilyChains } from "./owned-iptables-chains.js";
import { partitionChains, partitionHooks, type IpsetFamilies } from "./partition-chains.js";
import type { TargetNetworkNamespace } from "./target-network-namespace.js";
import { planTrafficControl, type TrafficControlPlan } from "./traffic-control-plan.js";
import { listDevices, replaceTrafficControl } from "./traffic-control-state.js";
import { TrafficControlMemory, processStartTime } from "./traffic-control-memory.js";

/** Options of {@link networkDaemonHandlers}, for tests and custom daemons. */
export interface NetworkDaemonOptions {
  /** The node's capabilities; default the daemon's one cached probe (`nodeCapabilityProbeFor(runner)`). */
  capabilities?: () => Promise<NodeCapabilities>;
  /** Which namespaces are the node's (pid 1's) or the daemon's own; default `new HostNamespaces()`. */
  hostNamespaces?: HostNamespaces;
  /** A process's start time (undefined when gone), for the plans SetTcs remembers; default from /proc. */
  processStartTime?: (pid: number) => Promise<string | undefined>;
}

/** Response header carrying what the daemon did differently from Chaos Mesh's layout (e.g. loss by iptables statistic). */
export const networkNotesHeader = "faultline-notes";

/**
 * NetworkChaos's daemon side: SetTcs, FlushIPSets and SetIptablesChains with Chaos Mesh's messages.
 * Each validates the whole request before anything runs, resolves the container's host pid, and
 * replaces its network namespace's state of that kind (an empty list removes everything Faultline
 * put there), serialised per namespace, with every command an argv array through nsenter. The
 * request's `enterNS` is always taken as true: the daemon never acts on its own namespace, and a
 * target in the node's network namespace (a hostNetwork pod) or the daemon's is refused with
 * FailedPrecondition before anything runs.
 *
 * @example
 * export const networkChaos = defineChaosKind({ crd, ..., daemon: networkDaemonHandlers });
 */
export function networkDaemonHandlers(deps: DaemonKindDeps, options: NetworkDaemonOptions = {}): DaemonHandlers {
  const probe = nodeCapabilityProbeFor(deps.runner);
  const capabilities = options.capabilities ?? (() => probe.get());
  const lock = new KeyedLock();
  const host = options.hostNamespaces ?? new HostNamespaces();
  const startTime = options.processStartTime ?? ((pid: number) => processStartTime(pid));
  /** container + namespace → the traffic-control plan this daemon last put there (to put back when a call fails) */
  const lastPlans = new TrafficControlMemory(startTime);

  async function target(containerId: string, ctx: HandlerContext) {
    if (containerId === "") throw new NetworkRequestError("containerId", "is required");
    const caps = await capabilities();
    const pid = await deps.runtime.getPid(containerId, { signal: ctx.signal });
    let key: string;
    let shared: string | undefined;
    try {
      const id = await namespaceIdentity(`/proc/${pid}/ns/net`);
      key = `net:${id.dev}:${id.ino}`;
      shared = await host.sharedWith(pid, "net");
    } catch (error) {
      throw new ConnectError(`container ${containerId} (pid ${pid}) has no network namespace any more: ${(error as Error).message}`, Code.NotFound);
    }
    if (shared !== undefined) {
      throw new ConnectError(
        `container ${containerId} (pid ${pid}) is in ${shared} (a hostNetwork pod, or the daemon itself): NetworkChaos there would change the node's own qdiscs, iptables chains and ipsets; refused`,
        Code.FailedPrecondition,
      );
    }
    const ns: TargetNetworkNamespace = {
      node: caps.nodeName,
      run: (argv, input) => deps.runner.run({ pid, namespaces: ["net"], argv, input, signal: ctx.signal }),
    };
    return { caps, ns, key, pid, containerId, cmds: iptablesCommands(caps.iptablesBackend === "legacy" ? "legacy" : "nf_tables") };
  }

  function requireIptables(caps: NodeCapabilities): void {
    if (caps.iptablesBackend === "") throw new ConnectError(`node ${caps.nodeName} cannot do this: it lacks iptables (neither the nf_tables nor the legacy tools work)`, Code.FailedPrecondition);
  }

  /** The namespace's ipsets (whose families the rules follow), refusing a request that names a set the namespace lacks. */
  async function ipsetFamilies(ns: TargetNetworkNamespace, needed: readonly string[], field: string): Promise<{ families: IpsetFamilies; listed: ListedIpset[] }> {
    const listed = await listIpsets(ns);
    const families = new Map(listed.map((s) => [s.name, s.family] as const));
    for (const name of needed) {
      if (!families.has(name)) throw new ConnectError(`${field}: ipset ${name} does not exist in the container's network namespace (FlushIPSets creates it)`, Code.FailedPrecondition);
    }
    return { families, listed };
  }

  return {
    async flushIPSets(req, ctx) {
      const sets = validIpsets(req.ipsets);
      const { caps, ns, key } = await target(req.containerId, ctx);
      if (sets.length > 0 && !caps.ipset) throw new ConnectError(`node ${caps.nodeName} cannot do this: it lacks ipset (kernel ip_set or the ipset command)`, Code.FailedPrecondition);
      if (sets.some((s) => s.family === "inet6") && !caps.ipsetInet6) throw new ConnectError(`node ${caps.nodeName} cannot do this: it lacks ipset/inet6`, Code.FailedPrecondition);
      const result = await lock.run(key, async () => {
        try {
          return await replaceIpsets(ns, sets);
        } catch (error) {
          throw refusalError(error, caps.nodeName, "nothing of this call was left applied");
        }
      });
      requestLogger(ctx).info("FlushIPSets", { ipsets: sets.map((s) => `${s.name} (${s.type}, ${s.members.length})`), ...result });
      return {};
    },

    async setIptablesChains(req, ctx) {
      const chains = validChains(req.chains);
      const { caps, ns, key, cmds } = await target(req.containerId, ctx);
      if (chains.length > 0) requireIptables(caps);
      await lock.run(key, async () => {
        const { families, listed } = await ipsetFamilies(ns, [...new Set(chains.flatMap((c) => c.ipsets))], "chains");
        const needV6 = chains.some((c) => c.ipsets.some((s) => families.get(s) === "inet6"));
        if (needV6 && !caps.ip6tables) throw new ConnectError(`node ${caps.nodeName} cannot do this: it lacks ip6tables (a chain matches IPv6 peers)`, Code.FailedPrecondition);
        const plan: FamilyChains[] = [{ family: "ipv4", desired: partitionChains(chains, "ipv4", families) }];
        if (caps.ip6tables) plan.push({ family: "ipv6", desired: partitionChains(chains, "ipv6", families) });
        if (caps.iptablesBackend === "" && chains.length === 0) return; // nothing can be there
        try {
          await replaceOwnedChains(ns, cmds, "filter", partitionHooks, plan);
        } catch (error) {
          throw refusalError(error, caps.nodeName, "nothing of this call was left applied");
        }
        if (hasLeftovers(listed)) await collectIpsets(ns); // sets FlushIPSets gave up while these chains still used them
      });
      requestLogger(ctx).info("SetIptablesChains", { chains: chains.map((c) => `${c.name} (${c.direction} ${c.device} ${c.ipsets.join(",") || "all"} -j ${c.target})`), backend: cmds.backend });
      return {};
    },

    async setTcs(req, ctx) {
      const tcs = validTcs(req.tcs);
      const { caps, ns, key, pid, cmds } = await target(req.containerId, ctx);
      await lastPlans.evictGone();
      const started = await startTime(pid);
      if (started === undefined) throw new ConnectError(`container ${req.containerId} (pid ${pid}) is gone`, Code.NotFound);
      const holder = { pid, startTime: started };
      const memoryKey = TrafficControlMemory.key(req.containerId, key, req.podUid);
      const plan = await lock.run(key, async () => {
        const { families, listed } = await ipsetFamilies(ns, [...new Set(tcs.map((t) => t.ipset).filter((s) => s !== ""))], "tcs");
        const devices = await listDevices(ns);
        tcs.forEach((t, i) => {
          if (!devices.includes(t.device)) throw new NetworkRequestError(`tcs[${i}].device`, `${t.device} is not in the container's network namespace (it has ${devices.join(", ")})`);
        });
        let plan: TrafficControlPlan;
        try {
          plan = planTrafficControl(tcs, caps, families);
        } catch (error) {
          throw new NetworkRequestError("tcs", (error as Error).message);
        }
        const v6Rules = plan.mangle.ipv6.chains.size > 0 && tcs.some((t) => t.ipset !== "" && families.get(t.ipset) === "inet6");
        if (v6Rules && !caps.ip6tables) throw new ConnectError(`node ${caps.nodeName} cannot do this: it lacks ip6tables (a tc shapes traffic to IPv6 peers)`, Code.FailedPrecondition);
        if (plan.mangle.ipv4.chains.size > 0) requireIptables(caps);
        await replaceTrafficControl(ns, cmds, plan, { iptables: caps.iptablesBackend !== "", ipv6: caps.ip6tables, previous: lastPlans.previous(memoryKey, holder) });
        lastPlans.remember(memoryKey, holder, plan);
        if (hasLeftovers(listed)) await collectIpsets(ns);
        return plan;
      });
      if (plan.notes.length > 0) ctx.responseHeader.set(networkNotesHeader, plan.notes.join("; "));
      requestLogger(ctx).info("SetTcs", { tcs: plan.commands.map((c) => c.join(" ")), notes: plan.notes });
      return {};
    },
  };
}
