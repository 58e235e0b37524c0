import type { MessageInitShape } from "@bufbuild/protobuf";
import { ExecDNSChaosRequestSchema, parseContainerRecordId, type NodeCapabilities } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import { createNodeCapabilitiesCache, RecordDecodeError, type RecordDecoder } from "@faultline/daemon-client";
import type { V1Pod } from "@kubernetes/client-node";
import { nodeCapabilityFlags } from "@faultline/daemon-server";
import type { ChaosImpl } from "@faultline/impl-registry";
import { heldRecordKeyOf, lostByHeldKeys, recoverHeldRecord, parseHeldContainerRecordKey, sweepHeldKeys } from "../held-injections/index.js";
import { oneDaemonStepPlan, reachForPlan, requestJson } from "../record-plan/record-plan.js";
import type { DNSChaos, DNSChaosSpec } from "./dns-chaos-crd.js";
import { execDNSChaosCommands } from "./dns-chaos-plan.js";

/**
 * The node capability the interception needs (iptables with the nat table's REDIRECT target and
 * the owner match, to redirect the pod's port 53 but not the resolver's own queries), as
 * GetNodeCapabilities' flags name it (`nodeCapabilityFlags`, `dnsInterceptionCapable`).
 */
export const dnsInterceptionCapability = "dns/interception";


/** The spec's own fields, as ExecDNSChaos carries them to the daemon (absent patterns: every name). */
export function dnsRequestOf(spec: DNSChaosSpec): { action: string; patterns: string[] } {
  return { action: spec.action, patterns: [...(spec.patterns ?? [])] };
}

/**
 * ExecDNSChaos's request for a record's container, as apply sends it and plan shows it: the spec's
 * action and patterns (`dnsRequestOf`) and the record key (`heldRecordKey`: the object's uid, else
 * its namespaced name, and the record id).
 */
export function execDNSChaosRequestOf(obj: DNSChaos, recordId: string, namespacedName: string, containerId: string): MessageInitShape<typeof ExecDNSChaosRequestSchema> {
  return { containerId, ...dnsRequestOf(obj.spec), recordKey: heldRecordKeyOf(obj, recordId, namespacedName) };
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

/** Why a hostNetwork pod is refused (apply's error, plan's reason), or undefined for any other pod. */
function hostNetworkRefusal(target: { pod: V1Pod; namespace: string; podName: string; nodeName: string }): string | undefined {
  return target.pod.spec?.hostNetwork
    ? `pod ${target.namespace}/${target.podName} uses hostNetwork: intercepting its DNS would change the lookups of node ${target.nodeName} itself; refused`
    : undefined;
}

/**
 * The manager side of DNSChaos. Apply checks that the record's node can intercept DNS
 * (GetNodeCapabilities, cached 30 s per node; a node without `dns/interception` fails the record,
 * naming the node and the capability, before anything is sent) and sends ExecDNSChaos for the
 * record's container with the spec's action and patterns and the record key (`heldRecordKey`: the
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
export function dnsChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): Required<Omit<ChaosImpl<DNSChaos>, "waveParallelism">> {
  const capabilitiesOf = createNodeCapabilitiesCache();

  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const fields = dnsRequestOf(obj.spec);
      deps.log("Apply DNSChaos", { id: record.id, chaos: ctx.namespacedName, ...fields });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      const refused = hostNetworkRefusal(target);
      if (refused !== undefined) throw new Error(refused);
      const missing = missingDNSCapabilities(await capabilitiesOf(target, ctx.signal));
      if (missing.length > 0) throw new NodeCannotInterceptDNSError(target.nodeName, missing);
      await target.daemon.execDNSChaos(execDNSChaosRequestOf(obj, record.id, ctx.namespacedName, target.containerId), { signal: ctx.signal });
      deps.log("DNSChaos injected", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName });
      return "Injected";
    },

    /** What apply would send (ExecDNSChaos) and what the daemon would run for it, and whether the node can intercept DNS. */
    async plan(ctx, index, records, obj) {
      const record = records[index]!;
      const reached = await reachForPlan(ctx, () => deps.decoder.decodeContainer(record.id, obj), capabilitiesOf);
      if (reached.plan) return reached.plan;
      const { target, caps } = reached;
      const request = execDNSChaosRequestOf(obj, record.id, ctx.namespacedName, target.containerId);
      const missing = missingDNSCapabilities(caps);
      const refusal =
        hostNetworkRefusal(target) ??
        (missing.length > 0
          ? new NodeCannotInterceptDNSError(target.nodeName, missing).message
          : undefined);
      return oneDaemonStepPlan(refusal, {
        nodeName: target.nodeName,
        rpc: "ExecDNSChaos",
        request: requestJson(ExecDNSChaosRequestSchema, request),
        build: () => execDNSChaosCommands(request, caps),
        show: ({ argv, config, redirectScript }) => ({
          argv,
          note:
            `the interceptor's config.json: ${config}; the redirect's iptables-restore script (stdin): ${redirectScript.trim().split("\n").join(" | ")}` +
            " (a pod already intercepted gets only its config rewritten and a SIGHUP)",
        }),
      });
    },

    recover: (ctx, index, records, obj) =>
      recoverHeldRecord({
        ctx,
        recordId: records[index]!.id,
        kind: "DNSChaos",
        log: deps.log,
        decode: (recordId) => deps.decoder.decodeContainer(recordId, obj),
        goneWith: "its interception went with it",
        recover: (target, signal) => target.daemon.recoverDNSChaos({ containerId: target.containerId, recordKey: heldRecordKeyOf(obj, records[index]!.id, ctx.namespacedName) }, { signal }),
      }),

    lostInjections: (ctx, records, obj) =>
      lostByHeldKeys({
        ctx,
        records,
        decode: (recordId) => deps.decoder.decodeContainer(recordId, obj),
        keysOf: (recordId) => [heldRecordKeyOf(obj, recordId, ctx.namespacedName)],
        listKeys: async (daemon, signal) => (await daemon.listDNSChaos({}, { signal })).injections.map((i) => i.recordKey),
        log: deps.log,
        kind: "DNSChaos",
      }),

    sweep: (ctx) =>
      sweepHeldKeys({
        ctx,
        kind: "DNSChaos",
        listRpc: "ListDNSChaos",
        list: async (daemon, signal) => (await daemon.listDNSChaos({}, { signal })).injections.map((injection) => ({ key: injection.recordKey, injection })),
        parseKey: parseHeldContainerRecordKey,
        recover: async (daemon, { key, injection }, signal) => {
          await daemon.recoverDNSChaos({ containerId: injection.containerId, recordKey: key }, { signal });
        },
        describe: (recordId, { injection }) => {
          const { namespace, podName, containerName } = parseContainerRecordId(recordId);
          const patterns = injection.patterns.length > 0 ? `names matching ${injection.patterns.join(", ")}` : "every name";
          return {
            pod: { namespace, name: podName },
            what: `DNS ${injection.action} for ${patterns} (container ${containerName})`,
            fields: { action: injection.action, patterns: injection.patterns },
          };
        },
      }),
  };
}
