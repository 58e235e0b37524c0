import { Code, ConnectError } from "@connectrpc/connect";
import { parseContainerRecordId, type NodeCapabilities } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import { DaemonNotFoundError, RecordDecodeError, type DecodedContainer, type RecordDecoder } from "@faultline/daemon-client";
import { nodeCapabilityFlags } from "@faultline/daemon-server";
import type { ChaosImpl, SweptInjection } from "@faultline/impl-registry";
import type { DNSChaos, DNSChaosSpec } from "./dns-chaos-crd.js";

/**
 * The node capability the interception needs (iptables with the nat table's REDIRECT target and
 * the owner match, to redirect the pod's port 53 but not the resolver's own queries), as
 * GetNodeCapabilities' flags name it (`nodeCapabilityFlags`, `dnsInterceptionCapable`).
 */
export const dnsInterceptionCapability = "dns/interception";

/** How long a node's GetNodeCapabilities answer is used before it is asked again. */
const capabilitiesTtlMs = 30_000;

/**
 * The key the daemon holds a record's DNSChaos under: the DNSChaos's uid and the record id
 * (`ns/pod/container`), so the same record of the same object always finds its injection again
 * (after a manager or daemon restart), and another object's never. StressChaos's scheme.
 */
export function dnsRecordKey(chaosUid: string, recordId: string): string {
  return `${chaosUid}/${recordId}`;
}

/** The DNSChaos uid and container record id of a record key (`dnsRecordKey`), or undefined for any other shape. */
export function parseDNSRecordKey(key: string): { uid: string; recordId: string } | undefined {
  const slash = key.indexOf("/");
  if (slash <= 0) return undefined;
  const uid = key.slice(0, slash);
  const recordId = key.slice(slash + 1);
  if (!/^[0-9a-f-]{36}$/.test(uid)) return undefined; // a Kubernetes uid; the "ns/name" fallback of an object without one is not swept
  try {
    parseContainerRecordId(recordId);
  } catch {
    return undefined;
  }
  return { uid, recordId };
}

/** The spec's own fields, as ExecDNSChaos carries them to the daemon (absent patterns: every name). */
export function dnsRequestOf(spec: DNSChaosSpec): { action: string; patterns: string[] } {
  return { action: spec.action, patterns: [...(spec.patterns ?? [])] };
}

/** Thrown when the target's node cannot intercept DNS; nothing was sent. */
export class NodeCannotInterceptDNSError extends Error {
  override name = "NodeCannotInterceptDNSError";
  constructor(readonly nodeName: string, readonly missing: string[]) {
    super(`node ${nodeName} cannot perform DNSChaos: its daemon lacks ${missing.join(", ")} (redirecting the pod's port 53 needs iptables with the nat table's REDIRECT target and the owner match); nothing was injected`);
  }
}

/** What of the interception's needs a node's GetNodeCapabilities answer lacks; empty: it can intercept. */
export function missingDNSCapabilities(caps: NodeCapabilities): string[] {
  return nodeCapabilityFlags(caps).get(dnsInterceptionCapability) === true ? [] : [dnsInterceptionCapability];
}

/**
 * The manager side of DNSChaos. Apply checks that the record's node can intercept DNS
 * (GetNodeCapabilities, cached 30 s per node; a node without `dns/interception` fails the record,
 * naming the node and the capability, before anything is sent) and sends ExecDNSChaos for the
 * record's container with the spec's action and patterns and the record key (`dnsRecordKey`: the
 * object's uid and the record id). Recover sends RecoverDNSChaos with that key. The key is all the
 * state there is, and it is derived, never stored: the daemon holds the record's patterns under it,
 * so a restarted manager recovers what an earlier one injected, an Apply retried after a lost status
 * write injects nothing twice, and several DNSChaos on one pod compose in the daemon (recovering one
 * leaves the others). A target that is gone (its pod deleted, or its container) took the
 * interception with it: recovered; so is a record on a node whose daemon does not serve
 * RecoverDNSChaos (an older daemon, which could not have injected it).
 *
 * A pod with `hostNetwork` is refused: its network namespace is the node's, and intercepting there
 * would change the node's own lookups.
 *
 * `lostInjections` asks the daemons of a running DNSChaos's Injected records (ListDNSChaos) whether
 * each record's key is still held, so the pipeline injects again where a recreated pod (a new
 * network namespace: the daemon drops the gone one's interception) lost it, or where the daemon
 * removed an interception it could not keep running. A restarted container keeps its pod's network
 * namespace, and so the interception. A daemon without ListDNSChaos cannot tell: none lost.
 *
 * `sweep` asks the daemon of every node that runs pods (ListDNSChaos) which record keys it holds and
 * recovers (RecoverDNSChaos) those whose DNSChaos is gone or no longer holds the record.
 */
export function dnsChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): Required<ChaosImpl<DNSChaos>> {
  const keyOf = (obj: DNSChaos, recordId: string, namespacedName: string) => dnsRecordKey(obj.metadata.uid ?? namespacedName, recordId);
  const capabilities = new Map<string, { at: number; caps: NodeCapabilities }>();

  const nodeCapabilities = async (target: DecodedContainer, signal: AbortSignal) => {
    const cached = capabilities.get(target.nodeName);
    if (cached && Date.now() - cached.at < capabilitiesTtlMs) return cached.caps;
    const caps = await target.daemon.getNodeCapabilities({}, { signal });
    capabilities.set(target.nodeName, { at: Date.now(), caps });
    return caps;
  };

  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const fields = dnsRequestOf(obj.spec);
      deps.log("Apply DNSChaos", { id: record.id, chaos: ctx.namespacedName, ...fields });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      if (target.pod.spec?.hostNetwork) {
        throw new Error(`pod ${target.namespace}/${target.podName} uses hostNetwork: intercepting its DNS would change the lookups of node ${target.nodeName} itself; refused`);
      }
      const missing = missingDNSCapabilities(await nodeCapabilities(target, ctx.signal));
      if (missing.length > 0) throw new NodeCannotInterceptDNSError(target.nodeName, missing);
      await target.daemon.execDNSChaos({ containerId: target.containerId, ...fields, recordKey: keyOf(obj, record.id, ctx.namespacedName) }, { signal: ctx.signal });
      deps.log("DNSChaos injected", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName });
      return "Injected";
    },

    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover DNSChaos", { id: record.id, chaos: ctx.namespacedName });
      let target;
      try {
        target = await deps.decoder.decodeContainer(record.id, obj);
      } catch (err) {
        if (err instanceof RecordDecodeError) {
          deps.log("DNSChaos target gone: its interception went with it", { id: record.id, chaos: ctx.namespacedName, reason: err.reason });
          return "Not Injected";
        }
        throw err;
      }
      try {
        await target.daemon.recoverDNSChaos({ containerId: target.containerId, recordKey: keyOf(obj, record.id, ctx.namespacedName) }, { signal: ctx.signal });
      } catch (err) {
        // a daemon without DNSChaos (an older one) never injected it: nothing to remove, and no deletion left stuck
        if (!(err instanceof ConnectError && err.code === Code.Unimplemented)) throw err;
        deps.log("DNSChaos not served by the node's daemon: nothing was injected there", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName });
      }
      return "Not Injected";
    },

    async lostInjections(ctx, records, obj) {
      const byNode = new Map<string, { daemon: DecodedContainer["daemon"]; indexes: number[] }>();
      for (const [index, record] of records.entries()) {
        if (record.phase !== "Injected") continue;
        let target;
        try {
          target = await deps.decoder.decodeContainer(record.id, obj);
        } catch (err) {
          if (err instanceof RecordDecodeError) continue; // gone or not running: nothing to inject again now
          throw err;
        }
        const entry = byNode.get(target.nodeName) ?? { daemon: target.daemon, indexes: [] };
        entry.indexes.push(index);
        byNode.set(target.nodeName, entry);
      }
      const lost: number[] = [];
      for (const [node, { daemon, indexes }] of byNode) {
        let listed;
        try {
          listed = await daemon.listDNSChaos({}, { signal: ctx.signal });
        } catch (err) {
          if (err instanceof ConnectError && err.code === Code.Unimplemented) continue; // an older daemon: cannot tell
          throw err;
        }
        // by key only: the interception is the pod's (its network namespace), so a restarted
        // container keeps it; a recreated pod's is gone from the list (the daemon drops a gone pod's)
        const held = new Set(listed.injections.map((i) => i.recordKey));
        const lostHere = indexes.filter((index) => !held.has(keyOf(obj, records[index]!.id, ctx.namespacedName)));
        if (lostHere.length > 0) deps.log("DNSChaos interception gone while Injected: injecting again", { chaos: ctx.namespacedName, node, records: lostHere.length });
        lost.push(...lostHere);
      }
      return lost.sort((a, b) => a - b);
    },

    async sweep(ctx) {
      const swept: SweptInjection[] = [];
      const nodes = new Set((await ctx.listPods()).map((p) => p.spec?.nodeName).filter((n): n is string => Boolean(n)));
      const seen = new Set<string>(); // daemons reached under several node names list the same keys
      for (const node of [...nodes].sort()) {
        if (ctx.signal.aborted) break;
        let daemon;
        let listed;
        try {
          daemon = await ctx.daemons.clientFor(node, "faultline/sweep");
          // the keys first, the question after: a DNSChaos writes its records before it injects
          listed = await daemon.listDNSChaos({}, { signal: ctx.signal });
        } catch (err) {
          if (err instanceof DaemonNotFoundError) continue;
          const why = err instanceof ConnectError && err.code === Code.Unimplemented ? "its daemon does not serve ListDNSChaos (an older daemon)" : (err as Error).message;
          ctx.log("DNSChaos sweep skipped a node: tried again at the next pass", { node, error: why });
          continue;
        }
        for (const injection of listed.injections) {
          const key = injection.recordKey;
          if (seen.has(key)) continue;
          seen.add(key);
          const owner = parseDNSRecordKey(key);
          if (!owner) continue; // not a key this manager makes: not ours to judge
          if (await ctx.holds({ uid: owner.uid }, owner.recordId)) continue;
          try {
            await daemon.recoverDNSChaos({ containerId: injection.containerId, recordKey: key }, { signal: ctx.signal });
          } catch (err) {
            ctx.log("DNSChaos sweep could not recover an injection: tried again at the next pass", { node, recordKey: key, error: (err as Error).message });
            continue;
          }
          const { namespace, podName, containerName } = parseContainerRecordId(owner.recordId);
          const patterns = injection.patterns.length > 0 ? `names matching ${injection.patterns.join(", ")}` : "every name";
          ctx.log("DNSChaos swept", { node, recordKey: key, action: injection.action, patterns: injection.patterns });
          swept.push({ pod: { namespace, name: podName }, owner: { uid: owner.uid }, what: `DNS ${injection.action} for ${patterns} (container ${containerName})` });
        }
      }
      return swept;
    },
  };
}
