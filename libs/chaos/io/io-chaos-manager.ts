import { parseContainerRecordId, type NodeCapabilities } from "@faultline/api";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { ExecIOChaosRequestSchema } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import { createNodeCapabilitiesCache, RecordDecodeError, type RecordDecoder } from "@faultline/daemon-client";
import { nodeCapabilityFlags } from "@faultline/daemon-server";
import type { ChaosImpl } from "@faultline/impl-registry";
import { heldRecordKeyOf, isUnimplemented, lostByHeldKeys, parseHeldContainerRecordKey, sweepHeldKeys } from "../held-injections/index.js";
import type { IOChaosAction } from "./io-action.js";
import { oneDaemonStepPlan, reachForPlan, requestJson } from "../record-plan/record-plan.js";
import type { IOChaos, IOChaosSpec } from "./io-chaos-crd.js";
import { execIOChaosCommands } from "./io-chaos-plan.js";

/** The node capability IOChaos needs, as GetNodeCapabilities' flags name it (`nodeCapabilityFlags`). */
export const ioFuseCapability = "io/fuse";

/** Thrown when the target's node cannot serve a FUSE fault; nothing was sent. */
export class NodeCannotFaultIOError extends Error {
  override name = "NodeCannotFaultIOError";
  constructor(readonly nodeName: string, readonly reason: string) {
    super(`node ${nodeName} cannot perform IOChaos: its daemon lacks ${ioFuseCapability} (${reason}); nothing was injected`);
  }
}

/** Why a node's GetNodeCapabilities answer does not allow IOChaos; undefined when it does. */
export function missingIOFuseReason(caps: NodeCapabilities): string | undefined {
  if (nodeCapabilityFlags(caps).get(ioFuseCapability) === true) return undefined;
  const note = caps.notes.find((n) => n.startsWith(`${ioFuseCapability}: `));
  return note === undefined ? "the daemon does not report it: an older daemon, or one without the faultline-iofs and faultline-fd-swap helpers" : note.slice(ioFuseCapability.length + 2);
}

/**
 * A spec as one action of Chaos Mesh's PodIOChaos shape, as Chaos Mesh's controller builds it: the
 * filter (path, methods, percent), `faults: [{errno, weight: 1}]` for fault, `latency` = delay, the
 * attr fields inline, mistake, and `source` = the experiment's namespaced name.
 */
export function ioActionOf(spec: IOChaosSpec, source: string): IOChaosAction {
  const action: IOChaosAction = { type: spec.action, percent: spec.percent ?? 100, source };
  if (spec.path !== undefined && spec.path !== "") action.path = spec.path;
  if (spec.methods !== undefined && spec.methods.length > 0) action.methods = [...spec.methods];
  switch (spec.action) {
    case "latency":
      action.latency = spec.delay ?? "";
      break;
    case "fault":
      action.faults = [{ errno: spec.errno ?? 0, weight: 1 }];
      break;
    case "attrOverride":
      Object.assign(action, spec.attr ?? {});
      break;
    case "mistake":
      if (spec.mistake !== undefined) action.mistake = { ...spec.mistake };
      break;
  }
  return action;
}

/**
 * ExecIOChaos's request for a record's container, as apply sends it and plan shows it: the spec's
 * volume, the record key (`heldRecordKey`: the object's uid, else its namespaced name, and the
 * record id) and the action (`ioActionOf`, its source the namespaced name) as JSON.
 */
export function execIOChaosRequestOf(obj: IOChaos, recordId: string, namespacedName: string, containerId: string): MessageInitShape<typeof ExecIOChaosRequestSchema> {
  return {
    containerId,
    volumePath: obj.spec.volumePath,
    recordKey: heldRecordKeyOf(obj, recordId, namespacedName),
    action: JSON.stringify(ioActionOf(obj.spec, namespacedName)),
  };
}

/**
 * The manager side of IOChaos. Apply checks that the record's node can serve a FUSE fault
 * (GetNodeCapabilities, cached 30 s per node; a node without `io/fuse` fails the record, naming the
 * node and the reason, before anything is sent) and sends ExecIOChaos for the record's container:
 * the volume, the record key (`heldRecordKey`: the object's uid and the record id) and the spec as
 * one action of Chaos Mesh's PodIOChaos shape (JSON). The daemon merges the actions of every record
 * on one (container, volume) into one FUSE server, so several IOChaos compose, on one volume, on
 * several volumes of a container and on several containers of a pod; recovering one leaves the
 * others. A volumePath that is not a mount point in the container comes back FailedPrecondition:
 * the record fails with the daemon's reason, and nothing was mounted.
 *
 * Recover sends RecoverIOChaos with the same key and volume; a key the daemon does not hold (never
 * injected: a bad volumePath) is recovered at once, so deleting the experiment never hangs on it. A
 * target that is gone took its mount namespace, and so the fault, with it: recovered.
 *
 * `lostInjections` asks the daemons (ListIOChaos) whether each Injected record's key is still in
 * force on its container and volume (a restarted container's new mount namespace has no fault: the
 * daemon drops it). `sweep` recovers the keys in force whose IOChaos no longer holds the record.
 */
export function ioChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): Required<Omit<ChaosImpl<IOChaos>, "waveParallelism">> {
  const capabilitiesOf = createNodeCapabilitiesCache();

  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Apply IOChaos", { id: record.id, chaos: ctx.namespacedName, action: obj.spec.action, volumePath: obj.spec.volumePath });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      const missing = missingIOFuseReason(await capabilitiesOf(target, ctx.signal));
      if (missing !== undefined) throw new NodeCannotFaultIOError(target.nodeName, missing);
      await target.daemon.execIOChaos(execIOChaosRequestOf(obj, record.id, ctx.namespacedName, target.containerId), { signal: ctx.signal });
      deps.log("IOChaos injected", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName });
      return "Injected";
    },

    /** What apply would send (ExecIOChaos) and the helper commands the daemon would run, and whether the node can serve FUSE. */
    async plan(ctx, index, records, obj) {
      const record = records[index]!;
      const reached = await reachForPlan(ctx, () => deps.decoder.decodeContainer(record.id, obj), capabilitiesOf);
      if (reached.plan) return reached.plan;
      const { target, caps } = reached;
      const request = execIOChaosRequestOf(obj, record.id, ctx.namespacedName, target.containerId);
      const missing = missingIOFuseReason(caps);
      return oneDaemonStepPlan(missing === undefined ? undefined : new NodeCannotFaultIOError(target.nodeName, missing).message, {
        nodeName: target.nodeName,
        rpc: "ExecIOChaos",
        request: requestJson(ExecIOChaosRequestSchema, request),
        build: () => execIOChaosCommands(request),
        show: ({ argv, config }) => ({
          argv,
          note:
            `then the server's config is written and the server SIGHUPed; the config: ${config.trim()}` +
            " (on a volume another IOChaos faults already, only the config with every action in force is rewritten and SIGHUPed)",
        }),
      });
    },

    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover IOChaos", { id: record.id, chaos: ctx.namespacedName });
      let target;
      try {
        target = await deps.decoder.decodeContainer(record.id, obj);
      } catch (err) {
        if (err instanceof RecordDecodeError) {
          deps.log("IOChaos target gone: its fault went with its mount namespace", { id: record.id, chaos: ctx.namespacedName, reason: err.reason });
          return "Not Injected";
        }
        throw err;
      }
      try {
        await target.daemon.recoverIOChaos({ containerId: target.containerId, volumePath: obj.spec.volumePath, recordKey: heldRecordKeyOf(obj, record.id, ctx.namespacedName) }, { signal: ctx.signal });
      } catch (err) {
        // a daemon without IOChaos (an older one) never injected it: nothing to remove, and no deletion left stuck
        if (!isUnimplemented(err)) throw err;
        deps.log("IOChaos not served by the node's daemon: nothing was injected there", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName });
      }
      return "Not Injected";
    },

    lostInjections: (ctx, records, obj) =>
      lostByHeldKeys({
        ctx,
        records,
        decode: (recordId) => deps.decoder.decodeContainer(recordId, obj),
        keysOf: (recordId) => [heldRecordKeyOf(obj, recordId, ctx.namespacedName)],
        listKeys: async (daemon, signal) => (await daemon.listIOChaos({}, { signal })).injections.map((i) => i.recordKey),
        log: deps.log,
        kind: "IOChaos",
      }),

    sweep: (ctx) =>
      sweepHeldKeys({
        ctx,
        kind: "IOChaos",
        listRpc: "ListIOChaos",
        list: async (daemon, signal) => (await daemon.listIOChaos({}, { signal })).injections.map((injection) => ({ key: injection.recordKey, injection })),
        parseKey: parseHeldContainerRecordKey,
        recover: async (daemon, { key, injection }, signal) => {
          await daemon.recoverIOChaos({ containerId: injection.containerId, volumePath: injection.volumePath, recordKey: key }, { signal });
        },
        describe: (recordId, { injection }) => {
          const { namespace, podName, containerName } = parseContainerRecordId(recordId);
          let type = "an IO fault";
          try {
            type = `IO ${String((JSON.parse(injection.action) as { type?: unknown }).type)}`;
          } catch {
            // an unreadable action still names its volume
          }
          return { pod: { namespace, name: podName }, what: `${type} on ${injection.volumePath} (container ${containerName})`, fields: { container: containerName, volumePath: injection.volumePath } };
        },
      }),
  };
}
