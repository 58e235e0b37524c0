import { resourceVersionAtLeast, type NodeCapabilities, type Record } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import type { ChaosImpl, SweptInjection } from "@faultline/impl-registry";
import { createNodeCapabilitiesCache, type DecodedPod, type RecordDecoder } from "@faultline/daemon-client";
import type { V1Pod } from "@kubernetes/client-node";
import { checkCapabilities } from "./network-capability-check.js";
import type { NetworkChaos } from "./network-chaos-crd.js";
import { podNetworkRules, rolesWithoutPeers, type NetworkChaosOnPod, type NetworkChaosRole, type PodNetworkRules } from "./network-chaos-rules.js";
import { dnsResolver, resolveExternalTargets, type HostResolver } from "./external-targets.js";
import { networkPlanSteps, networkRequestsOf } from "./network-chaos-plan.js";
import { reachForPlan } from "../record-plan/record-plan.js";

/** The pod annotation listing the NetworkChaos (by uid) whose rules the pod's network namespace holds. */
export const networkChaosAppliedAnnotation = "network.faultline.chaos-mesh.org/applied";

/** What the NetworkChaos manager impl needs. */
export interface NetworkChaosManagerDeps {
  decoder: RecordDecoder;
  /**
   * Every NetworkChaos with a record on pod `podId` (`ns/name`), whatever its phase, each with ALL
   * its records (those kept in RecordShards too): the manager's experiment cache, or a list from
   * the API server.
   */
  onPod(podId: string): Promise<NetworkChaos[]>;
  /**
   * The NetworkChaos with this uid as the source of `onPod` last saw it, or undefined when it knows
   * none (gone). Lets an object this manager handed its records to more recently than the cache saw
   * count with those records (see `networkChaosManager`). Absent: `onPod` is read as it is.
   */
  seenVersion?(uid: string): string | undefined;
  /** Pods by id (`ns/name`), as fresh as the source (the pod cache, or the API server); a missing one is absent. */
  readPods(ids: readonly string[]): Promise<Map<string, V1Pod>>;
  /**
   * The pod once the source has seen `resourceVersion` (this manager's own annotation write) or
   * later, else read from the API server. Absent: `readPods` is fresh.
   */
  readPodAfterWrite?(namespace: string, name: string, resourceVersion: string): Promise<V1Pod | undefined>;
  /**
   * Writes the applied annotation on the pod whose uid is given (fails if the pod is not that one
   * any more); resolves to the pod's resourceVersion after the write.
   */
  annotatePod(pod: V1Pod, value: string): Promise<string | undefined>;
  /** Host names of externalTargets → addresses; default node:dns. */
  resolve?: HostResolver;
  /** A Normal or Warning event on the chaos object (the loss fallback says so there). */
  event?(obj: NetworkChaos, type: "Normal" | "Warning", reason: string, message: string): Promise<void>;
  log: KindLog;
}

/** Thrown when the target's node cannot perform the injection; nothing was sent. */
export class NodeCannotInjectError extends Error {
  override name = "NodeCannotInjectError";
  constructor(readonly nodeName: string, readonly missing: string[]) {
    super(`node ${nodeName} cannot perform this injection: missing ${missing.join(", ")}; nothing was injected`);
  }
}

/**
 * Thrown when the object would change nothing on the record's pod although a role it plays there
 * asks for rules: no address of the other end is known (see `rolesWithoutPeers`). Nothing was sent,
 * and the record is not reported Injected; the pipeline retries it.
 */
export class NothingToInjectError extends Error {
  override name = "NothingToInjectError";
  constructor(readonly podId: string, readonly roles: NetworkChaosRole[], action: string, counts: { selected: number; targets: number }) {
    const none = (n: number, what: string) => (n === 0 ? `it has no ${what}` : `none of its ${n} ${what}${n === 1 ? "" : "s"} has an IP address`);
    const why = roles.map((role) =>
      role === "selected"
        ? `${action} toward its targets: ${none(counts.targets, "target pod")}, and it has no external target`
        : `${action} on a target toward the selected pods: ${none(counts.selected, "selected pod")}`,
    );
    super(`nothing would change on pod ${podId}: ${why.join("; ")}; not injected until an address is known`);
  }
}

const keyOf = (c: { metadata: { namespace?: string; name?: string } }) => `${c.metadata.namespace ?? ""}/${c.metadata.name ?? ""}`;

/** Whether a NetworkChaos wants its rules in force now: running, not being deleted. */
function wantsInjection(chaos: NetworkChaos): boolean {
  return !chaos.metadata.deletionTimestamp && chaos.status?.experiment?.desiredPhase === "Run";
}

const podIps = (pod: V1Pod | undefined): string[] => {
  if (!pod || pod.metadata?.deletionTimestamp) return [];
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => Boolean(ip));
  return ips.length > 0 ? ips : pod.status?.podIP ? [pod.status.podIP] : [];
};

/** Why a hostNetwork pod is refused (apply's error, plan's reason), or undefined for any other pod. */
function hostNetworkRefusal(recordId: string, target: { pod: V1Pod; nodeName: string }): string | undefined {
  return target.pod.spec?.hostNetwork ? `pod ${recordId} uses hostNetwork: injecting network chaos there would act on node ${target.nodeName} itself; refused` : undefined;
}

/**
 * The manager side of NetworkChaos, level-based per pod: for the record's pod it derives the pod's
 * WHOLE desired network state from every NetworkChaos that now wants to be injected on it (`onPod`:
 * the manager's experiment cache, with their records, RecordShards' included; the pods at the other
 * ends from its pod cache — no API call per record), checks it against
 * what the node's daemon says it can do (GetNodeCapabilities), and sends it in Chaos Mesh's three
 * RPCs, FlushIPSets, SetIptablesChains, SetTcs, each replacing the pod's state of its kind. So
 * several NetworkChaos on one pod compose, recovering one leaves the others, and a restart of the
 * manager or the daemon loses nothing: the state is derived again. Apply includes the object; Recover
 * derives the state without it. The cache lags the API server a little: an object whose records
 * this manager was handed at a version the cache has not passed yet counts with those records, so a
 * write the cache has not seen does not strip its rules from a pod.
 *
 * A node that lacks what the object's own rules need (sch_netem for delay…) is refused with an error
 * naming the node and the missing piece, before anything is sent; uncorrelated loss falls back to
 * iptables' statistic match, said in an event. Another object's rules that the node cannot perform
 * are left out (that object's own Apply reports it) rather than blocking this one.
 *
 * A pod with `hostNetwork` is refused (its namespace is the node's), as Chaos Mesh refuses it. An
 * Apply that would change nothing on its pod (a partition whose other end has no known address) fails
 * with {@link NothingToInjectError} instead of answering Injected.
 *
 * Each pod carries an annotation listing the objects in force on it, so `lostInjections` can tell a
 * recreated pod (which has none) and the pipeline applies the rules again, and `sweep` can tell an
 * object that is gone (its finalizer removed without a recovery) or no longer holds the pod's
 * record: the pod's state is derived again without it, as a Recover would (a dry run, `ctx.dryRun`,
 * reports those pods and changes nothing).
 */
export function networkChaosManager(deps: NetworkChaosManagerDeps): Required<Omit<ChaosImpl<NetworkChaos>, "waveParallelism">> {
  const resolve = deps.resolve ?? dnsResolver;
  const locks = new Map<string, Promise<unknown>>();
  // per object uid: the object with the records this manager was last handed for it
  const latest = new Map<string, NetworkChaos>();
  // per pod id: the resourceVersion of this manager's last applied-annotation write
  const writes = new Map<string, { podUid: string | undefined; resourceVersion: string }>();

  /** Runs `fn` alone for this pod: two objects deriving one pod's state at once would race. */
  const exclusive = async <T>(podKey: string, fn: () => Promise<T>): Promise<T> => {
    const before = locks.get(podKey) ?? Promise.resolve();
    const run = before.catch(() => undefined).then(fn);
    const settled = run.catch(() => undefined);
    locks.set(podKey, settled);
    try {
      return await run;
    } finally {
      if (locks.get(podKey) === settled) locks.delete(podKey);
    }
  };

  const nodeCapabilities = createNodeCapabilitiesCache();

  /** Each wanted object's view from this pod: its roles and the addresses of the other ends. */
  async function viewsOn(recordId: string, wanted: NetworkChaos[]): Promise<Map<NetworkChaos, NetworkChaosOnPod>> {
    const peers = new Set<string>();
    for (const chaos of wanted) for (const r of chaos.status?.experiment?.containerRecords ?? []) peers.add(r.id);
    const pods = await deps.readPods([...peers]);
    const ipsOf = (records: Record[]) => records.flatMap((r) => podIps(pods.get(r.id)));
    const views = new Map<NetworkChaos, NetworkChaosOnPod>();
    for (const chaos of wanted) {
      const records = chaos.status?.experiment?.containerRecords ?? [];
      const mine = records.filter((r) => r.id === recordId);
      views.set(chaos, {
        name: chaos.metadata.name ?? "",
        spec: chaos.spec,
        source: mine.some((r) => r.selectorKey === "."),
        target: mine.some((r) => r.selectorKey === ".Target"),
        sourceIps: ipsOf(records.filter((r) => r.selectorKey === ".")),
        targetIps: ipsOf(records.filter((r) => r.selectorKey === ".Target")),
        external: await resolveExternalTargets(chaos.spec.externalTargets ?? [], resolve),
      });
    }
    return views;
  }

  /**
   * The objects holding a record on this pod, as this manager knows them best: what `onPod` says,
   * except for an object whose records this manager was handed (apply/recover) at the same stored
   * version or later than the cache holds, whose records are those (the cache may not have seen its
   * last write yet, and leaving it out would strip its rules). An object `seenVersion` knows no
   * more is gone and forgotten.
   */
  async function holdersOf(podId: string): Promise<NetworkChaos[]> {
    const holders = new Map<string, NetworkChaos>();
    for (const chaos of await deps.onPod(podId)) holders.set(chaos.metadata.uid ?? keyOf(chaos), chaos);
    if (!deps.seenVersion) return [...holders.values()];
    for (const [uid, handed] of latest) {
      const seen = deps.seenVersion(uid);
      if (seen === undefined) {
        latest.delete(uid);
        continue;
      }
      if (!resourceVersionAtLeast(handed.metadata.resourceVersion, seen)) continue;
      if ((handed.status?.experiment?.containerRecords ?? []).some((r) => r.id === podId)) holders.set(uid, handed);
      else holders.delete(uid);
    }
    return [...holders.values()];
  }

  /**
   * The pod `recordId`'s whole desired state, read-only: every object that wants to be injected on
   * it (`holdersOf`), with `self` (the object as handed, its records `records`) when `include`; the
   * objects in force (another's rules the node cannot perform are left out) and their rules.
   * `missing`: what the node lacks for `self`'s own rules (then `self` is in force anyway, for a
   * plan to show; converge refuses). Throws {@link NothingToInjectError} when `self` would change
   * nothing. `capsOf`: the node's capabilities, asked only past that check.
   */
  async function desiredState(recordId: string, records: readonly Record[], obj: NetworkChaos, self: NetworkChaos, include: boolean, capsOf: () => Promise<NodeCapabilities>) {
    const others = (await holdersOf(recordId)).filter((c) => c.metadata.uid !== obj.metadata.uid && wantsInjection(c));
    const wanted = [...others, ...(include ? [self] : [])]
      .filter((c) => (c.status?.experiment?.containerRecords ?? []).some((r) => r.id === recordId))
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const views = await viewsOn(recordId, wanted);
    if (include) {
      // an injection that changes nothing is never reported as Injected
      const empty = rolesWithoutPeers(views.get(self)!);
      const count = (key: string) => records.filter((r) => r.selectorKey === key).length;
      if (empty.length > 0) throw new NothingToInjectError(recordId, empty, obj.spec.action, { selected: count("."), targets: count(".Target") });
    }
    const caps = await capsOf();

    // this object's own rules must all be possible; another's that are not are left out
    const inForce: NetworkChaos[] = [];
    const fallbacks: string[] = [];
    let missing: string[] = [];
    for (const chaos of wanted) {
      const verdict = checkCapabilities(podNetworkRules([views.get(chaos)!]), caps);
      if (verdict.missing.length === 0) {
        inForce.push(chaos);
        if (chaos === self) fallbacks.push(...verdict.fallbacks);
      } else if (chaos === self) {
        missing = verdict.missing;
        inForce.push(chaos);
      } else {
        deps.log("NetworkChaos left out: its node cannot perform it", { id: recordId, chaos: keyOf(chaos), missing: verdict.missing });
      }
    }
    return { caps, inForce, fallbacks, missing, rules: podNetworkRules(inForce.map((c) => views.get(c)!)) };
  }

  /**
   * Derives the record's pod's state with (`include`) or without `obj`, checks it, sends it.
   * `handed`: `obj` and `records` come from the pipeline (not a sweep's stand-in), the freshest view of it.
   */
  async function converge(ctx: { signal: AbortSignal; namespacedName: string }, records: readonly Record[], index: number, obj: NetworkChaos, include: boolean, handed = true) {
    const record = records[index]!;
    const target = await deps.decoder.decodePod(record.id, obj);
    const refused = hostNetworkRefusal(record.id, target);
    if (refused !== undefined) {
      // its network namespace is the node's: Faultline never touched it, and will not
      if (!include) return;
      throw new Error(refused);
    }
    const self: NetworkChaos = { ...obj, status: { ...obj.status, experiment: { ...obj.status?.experiment, containerRecords: records as Record[] } } };
    if (handed && obj.metadata.uid) latest.set(obj.metadata.uid, self);
    return exclusive(record.id, async () => {
      const { inForce, rules, fallbacks, missing } = await desiredState(record.id, records, obj, self, include, () => nodeCapabilities(target, ctx.signal));
      if (missing.length > 0) throw new NodeCannotInjectError(target.nodeName, missing);
      await send(target, rules, ctx.signal);
      const applied = JSON.stringify(inForce.map((c) => c.metadata.uid ?? "").sort());
      const written = await deps.annotatePod(target.pod, applied);
      if (written !== undefined) writes.set(record.id, { podUid: target.pod.metadata?.uid, resourceVersion: written });
      deps.log(include ? "Apply NetworkChaos" : "Recover NetworkChaos", {
        id: record.id,
        chaos: ctx.namespacedName,
        inForce: inForce.map(keyOf),
        ipsets: rules.ipsets.length,
        chains: rules.chains.length,
        tcs: rules.tcs.length,
      });
      for (const fallback of fallbacks) await deps.event?.(obj, "Normal", "Fallback", `${record.id} on node ${target.nodeName}: ${fallback}`);
    });
  }

  /** The three RPCs, in Chaos Mesh's order, through the first container that answers. */
  async function send(target: DecodedPod, rules: PodNetworkRules, signal: AbortSignal) {
    const podUid = target.pod.metadata?.uid ?? "";
    const containerIds = (target.pod.status?.containerStatuses ?? []).map((s) => s.containerID).filter((id): id is string => Boolean(id));
    if (containerIds.length === 0) throw new Error(`pod ${target.namespace}/${target.podName} has no started container yet`);
    const each = async (call: (containerId: string) => Promise<unknown>) => {
      let last: unknown;
      for (const containerId of containerIds) {
        try {
          await call(containerId);
          return;
        } catch (error) {
          last = error;
        }
      }
      throw last;
    };
    await each((id) => target.daemon.flushIPSets(networkRequestsOf(id, podUid, rules).flushIPSets, { signal }));
    await each((id) => target.daemon.setIptablesChains(networkRequestsOf(id, podUid, rules).setIptablesChains, { signal }));
    await each((id) => target.daemon.setTcs(networkRequestsOf(id, podUid, rules).setTcs, { signal }));
  }

  return {
    async apply(ctx, index, records, obj) {
      await converge(ctx, records, index, obj, true);
      return "Injected";
    },

    /**
     * What apply would send for the record's pod (its whole state with this object in force, as
     * apply derives it, nothing remembered of the object) and what the daemon would run for it;
     * whether the node can perform this object's rules, the pod is not on the host's network, and
     * the object would change something there.
     */
    async plan(ctx, index, records, obj) {
      const record = records[index]!;
      const reached = await reachForPlan(ctx, () => deps.decoder.decodePod(record.id, obj), nodeCapabilities);
      if (reached.plan) return reached.plan;
      const { target, caps } = reached;
      const refused = hostNetworkRefusal(record.id, target);
      if (refused !== undefined) return { capable: false, reason: refused, steps: [] };
      const containerId = (target.pod.status?.containerStatuses ?? []).map((s) => s.containerID).find((id): id is string => Boolean(id));
      if (containerId === undefined) return { capable: false, reason: `pod ${record.id} has no started container yet`, steps: [] };
      const self: NetworkChaos = { ...obj, status: { ...obj.status, experiment: { ...obj.status?.experiment, containerRecords: records as Record[] } } };
      let state;
      try {
        state = await desiredState(record.id, records, obj, self, true, async () => caps);
      } catch (error) {
        if (error instanceof NothingToInjectError) return { capable: false, reason: error.message, steps: [] };
        throw error;
      }
      const { steps, refusal } = networkPlanSteps(target.nodeName, networkRequestsOf(containerId, target.pod.metadata?.uid ?? "", state.rules), caps);
      const others = state.inForce.filter((c) => c !== self).map(keyOf);
      if (others.length > 0) steps[0] = { ...steps[0]!, note: `${steps[0]!.note ?? ""}; the pod's state composes this object with ${others.join(", ")}` };
      for (const fallback of state.fallbacks) steps[2] = { ...steps[2]!, note: `${steps[2]!.note ?? ""}; ${fallback}` };
      const reason = state.missing.length > 0 ? new NodeCannotInjectError(target.nodeName, state.missing).message : refusal;
      return { capable: reason === undefined, ...(reason !== undefined && { reason }), steps };
    },
    async recover(ctx, index, records, obj) {
      await converge(ctx, records, index, obj, false);
      return "Not Injected";
    },
    /**
     * Injected records whose pod lacks this object in its applied annotation (a recreated pod), and
     * then the records at the other end (source ↔ target), whose ipsets hold the old pod's address.
     */
    async lostInjections(_ctx, records, obj) {
      const stale: number[] = [];
      const injected = [...records.entries()].filter(([, r]) => r.phase === "Injected");
      const pods = await deps.readPods(injected.map(([, r]) => r.id));
      for (const [index, record] of injected) {
        let pod = pods.get(record.id);
        if (!pod || pod.metadata?.deletionTimestamp || !pod.status?.containerStatuses?.some((s) => s.containerID)) continue;
        if (!appliedUids(pod).includes(obj.metadata.uid ?? "")) {
          // the cache may not have seen this manager's own last annotation of the pod yet: wait for it
          const write = writes.get(record.id);
          if (write && deps.readPodAfterWrite && write.podUid === pod.metadata?.uid && !resourceVersionAtLeast(pod.metadata?.resourceVersion, write.resourceVersion)) {
            const [namespace, name] = record.id.split("/") as [string, string];
            pod = await deps.readPodAfterWrite(namespace, name, write.resourceVersion);
            if (!pod || pod.metadata?.deletionTimestamp) continue;
          }
          if (!appliedUids(pod).includes(obj.metadata.uid ?? "")) stale.push(index);
        } else if (writes.get(record.id)?.podUid === pod.metadata?.uid && resourceVersionAtLeast(pod.metadata?.resourceVersion, writes.get(record.id)!.resourceVersion)) {
          writes.delete(record.id); // the cache has seen it: nothing to wait for any more
        }
      }
      // a recreated pod has a new address: the pods at the other end match on the old one, so theirs go again too
      const staleKeys = new Set(stale.map((i) => records[i]!.selectorKey));
      for (const [index, record] of records.entries()) {
        if (record.phase === "Injected" && !stale.includes(index) && [...staleKeys].some((key) => key !== record.selectorKey)) stale.push(index);
      }
      return stale;
    },

    async sweep(ctx) {
      const swept: SweptInjection[] = [];
      for (const pod of await ctx.listPods()) {
        const { namespace = "", name = "", uid: podUid } = pod.metadata ?? {};
        // a pod going away takes its network namespace, and its rules, with it
        if (pod.metadata?.deletionTimestamp || pod.spec?.hostNetwork) continue;
        // the annotation first, the question after: an object writes its records before it injects
        const owners = appliedUids(pod);
        const gone: string[] = [];
        for (const uid of owners) {
          if (ctx.signal.aborted) return swept;
          if (!(await ctx.holds({ uid }, `${namespace}/${name}`))) gone.push(uid);
        }
        if (gone.length === 0) continue;
        if (ctx.dryRun) {
          for (const uid of gone) swept.push({ pod: { namespace, name, ...(podUid !== undefined && { uid: podUid }) }, owner: { uid }, what: "NetworkChaos rules (ipsets, iptables chains, tc)" });
          continue;
        }
        // the pod's state derived again from every object that wants it now: the gone ones are not
        // listed any more, and one that no longer holds this pod's record is left out by its records
        const released: NetworkChaos = {
          apiVersion: "chaos-mesh.org/v1alpha1",
          kind: "NetworkChaos",
          metadata: { uid: gone[0]!, namespace, name: "swept" },
          spec: {} as NetworkChaos["spec"],
        };
        const record: Record = { id: `${namespace}/${name}`, selectorKey: ".", phase: "Injected" } as Record;
        try {
          await converge({ signal: ctx.signal, namespacedName: `${namespace}/swept` }, [record], 0, released, false, false);
        } catch (error) {
          // one pod that cannot be reached now must not keep the others: the next pass tries again
          ctx.log("NetworkChaos sweep of a pod failed: tried again at the next pass", { pod: `${namespace}/${name}`, chaosUids: gone, error: (error as Error).message });
          continue;
        }
        for (const uid of gone) {
          ctx.log("NetworkChaos swept", { pod: `${namespace}/${name}`, chaosUid: uid });
          swept.push({ pod: { namespace, name, ...(podUid !== undefined && { uid: podUid }) }, owner: { uid }, what: "NetworkChaos rules (ipsets, iptables chains, tc)" });
        }
      }
      return swept;
    },
  };
}

/** The NetworkChaos uids a pod's applied annotation lists; none when it is absent or not ours. */
function appliedUids(pod: V1Pod): string[] {
  const applied = pod.metadata?.annotations?.[networkChaosAppliedAnnotation];
  if (!applied) return [];
  try {
    const uids: unknown = JSON.parse(applied);
    return Array.isArray(uids) ? uids.filter((u): u is string => typeof u === "string" && u !== "") : [];
  } catch {
    return [];
  }
}

