import { parseContainerRecordId, type NodeCapabilities } from "@faultline/api";
import { basename } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { TimeRequestSchema } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import { createNodeCapabilitiesCache, RecordDecodeError, type DecodedContainer, type RecordDecoder } from "@faultline/daemon-client";
import { nodeCapabilityFlags } from "@faultline/daemon-server";
import type { ChaosImpl } from "@faultline/impl-registry";
import { heldRecordKeyOf, lostByHeldKeys, recoverHeldRecord, parseHeldContainerRecordKey, sweepHeldKeys } from "../held-injections/index.js";
import { hostPidOf, oneDaemonStepPlan, reachForPlan, requestJson } from "../record-plan/record-plan.js";
import type { TimeChaos, TimeChaosSpec } from "./time-chaos-crd.js";
import { skewEntryOf } from "./time-request.js";
import { defaultTimeSkewBinary, timeSkewArgv } from "./time-skew-helper.js";
import { clockIdsMask, splitTimeOffset, timeOffsetNanos } from "./time-offset.js";

/** The node capability TimeChaos needs, as GetNodeCapabilities' flags name it (`nodeCapabilityFlags`). */
export const timeSkewCapability = "time/vdso-skew";

/** Thrown when the target's node cannot skew a process's clocks; nothing was sent. */
export class NodeCannotSkewTimeError extends Error {
  override name = "NodeCannotSkewTimeError";
  constructor(readonly nodeName: string, readonly reason: string) {
    super(`node ${nodeName} cannot perform TimeChaos: its daemon lacks ${timeSkewCapability} (${reason}); nothing was injected`);
  }
}

/**
 * Why a node's GetNodeCapabilities answer does not allow TimeChaos (the probe's note on
 * `time/vdso-skew`, or that it has none: an older daemon); undefined when it does.
 */
export function missingTimeSkewReason(caps: NodeCapabilities): string | undefined {
  if (nodeCapabilityFlags(caps).get(timeSkewCapability) === true) return undefined;
  const note = caps.notes.find((n) => n.startsWith(`${timeSkewCapability}: `));
  return note === undefined ? "the daemon does not report it: an older daemon, or one without the faultline-time-skew helper" : note.slice(timeSkewCapability.length + 2);
}

/** The offset and clocks of a spec as SetTimeOffset carries them (Chaos Mesh's split and mask). */
export function timeRequestFieldsOf(spec: TimeChaosSpec): { sec: bigint; nsec: bigint; clkIdsMask: bigint } {
  return { ...splitTimeOffset(timeOffsetNanos(spec.timeOffset)), clkIdsMask: clockIdsMask(spec.clockIds) };
}

/**
 * SetTimeOffset's request for a record's container, as apply sends it and plan shows it: the spec's
 * offset and clocks, the record key as uid (`heldRecordKey`: the object's uid, else its
 * namespaced name, and the record id), and `<podUID>:<container>`.
 */
export function setTimeOffsetRequestOf(
  obj: TimeChaos,
  recordId: string,
  namespacedName: string,
  target: Pick<DecodedContainer, "containerId" | "containerName" | "pod">,
): MessageInitShape<typeof TimeRequestSchema> {
  return {
    containerId: target.containerId,
    ...timeRequestFieldsOf(obj.spec),
    uid: heldRecordKeyOf(obj, recordId, namespacedName),
    podContainerName: `${target.pod.metadata?.uid ?? ""}:${target.containerName}`,
  };
}

/** The helper's program name in the daemon's image (its path there: `$FAULTLINE_TIME_SKEW_BIN`, else beside the daemon's code). */
const timeSkewProgram = basename(defaultTimeSkewBinary());

/**
 * The commands the daemon runs for a SetTimeOffset request on a container that carries no other
 * offset: the helper's probe of the container's first process, then its `set` of the entry on
 * every process of the container's cgroup (`timeSkewArgv`, with the daemon's own entry of the
 * request, `skewEntryOf`). The pids are found on the node at injection: placeholders here.
 */
export function setTimeOffsetArgv(request: MessageInitShape<typeof TimeRequestSchema>): string[][] {
  const entry = skewEntryOf(create(TimeRequestSchema, request));
  const withPid = (argv: string[], placeholder: string) => [timeSkewProgram, ...argv.slice(0, -1), placeholder];
  return [
    withPid(timeSkewArgv({ command: "probe", pid: 1 }), hostPidOf(`container ${request.containerId}`)),
    withPid(timeSkewArgv({ command: "set", pids: [1], entries: [entry] }), `<host pids of every process of container ${request.containerId}>`),
  ];
}

/**
 * The manager side of TimeChaos. Apply checks that the record's node can skew clocks
 * (GetNodeCapabilities, cached 30 s per node; a node without `time/vdso-skew` fails the record,
 * naming the node and the reason, before anything is sent) and sends SetTimeOffset for the
 * record's container: the offset split as Chaos Mesh does (sec truncated toward zero, nsec the
 * remainder of the same sign), the clocks as a mask (bit = Linux clock id), uid = the record key
 * (`heldRecordKey`: the object's uid and the record id), pod_container_name `<pod uid>:<container>`.
 * Recover sends RecoverTimeOffset with the same uid. The key is derived, never stored, so a
 * restarted manager recovers what an earlier one injected and several TimeChaos on one container
 * compose in the daemon (recovering one leaves the others). A target that is gone took its
 * processes, and so the skew, with it: recovered.
 *
 * `lostInjections` asks the daemons (ListTimeChaos) whether each Injected record's uid is still in
 * force on its container: a restarted or recreated container's new processes carry nothing, so the
 * pipeline injects them again. `sweep` recovers the uids in force whose TimeChaos no longer holds
 * the record.
 */
export function timeChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): Required<Omit<ChaosImpl<TimeChaos>, "waveParallelism">> {
  const capabilitiesOf = createNodeCapabilitiesCache();

  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const fields = timeRequestFieldsOf(obj.spec);
      deps.log("Apply TimeChaos", { id: record.id, chaos: ctx.namespacedName, timeOffset: obj.spec.timeOffset, clkIdsMask: Number(fields.clkIdsMask) });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      const missing = missingTimeSkewReason(await capabilitiesOf(target, ctx.signal));
      if (missing !== undefined) throw new NodeCannotSkewTimeError(target.nodeName, missing);
      await target.daemon.setTimeOffset(setTimeOffsetRequestOf(obj, record.id, ctx.namespacedName, target), { signal: ctx.signal });
      deps.log("TimeChaos injected", { id: record.id, chaos: ctx.namespacedName, node: target.nodeName });
      return "Injected";
    },

    /** What apply would send (SetTimeOffset) and the helper commands the daemon would run, and whether the node can skew. */
    async plan(ctx, index, records, obj) {
      const record = records[index]!;
      const reached = await reachForPlan(ctx, () => deps.decoder.decodeContainer(record.id, obj), capabilitiesOf);
      if (reached.plan) return reached.plan;
      const { target, caps } = reached;
      const request = setTimeOffsetRequestOf(obj, record.id, ctx.namespacedName, target);
      const missing = missingTimeSkewReason(caps);
      return oneDaemonStepPlan(missing === undefined ? undefined : new NodeCannotSkewTimeError(target.nodeName, missing).message, {
        nodeName: target.nodeName,
        rpc: "SetTimeOffset",
        request: requestJson(TimeRequestSchema, request),
        build: () => setTimeOffsetArgv(request),
        show: (argv) => ({ argv, note: "offsets of other TimeChaos on the container compose: the set carries every entry in force (at most 8)" }),
      });
    },

    recover: (ctx, index, records, obj) =>
      recoverHeldRecord({
        ctx,
        recordId: records[index]!.id,
        kind: "TimeChaos",
        log: deps.log,
        decode: (recordId) => deps.decoder.decodeContainer(recordId, obj),
        goneWith: "its skew went with its processes",
        recover: (target, signal) =>
          target.daemon.recoverTimeOffset(
            { containerId: target.containerId, uid: heldRecordKeyOf(obj, records[index]!.id, ctx.namespacedName), podContainerName: `${target.pod.metadata?.uid ?? ""}:${target.containerName}` },
            { signal },
          ),
      }),

    lostInjections: (ctx, records, obj) =>
      lostByHeldKeys({
        ctx,
        records,
        decode: (recordId) => deps.decoder.decodeContainer(recordId, obj),
        keysOf: (recordId) => [heldRecordKeyOf(obj, recordId, ctx.namespacedName)],
        listKeys: async (daemon, signal) => (await daemon.listTimeChaos({}, { signal })).injections.flatMap((i) => i.uids),
        log: deps.log,
        kind: "TimeChaos",
      }),

    sweep: (ctx) =>
      sweepHeldKeys({
        ctx,
        kind: "TimeChaos",
        listRpc: "ListTimeChaos",
        list: async (daemon, signal) => (await daemon.listTimeChaos({}, { signal })).injections.flatMap((injection) => injection.uids.map((uid) => ({ key: uid, injection: { containerId: injection.containerId } }))),
        parseKey: parseHeldContainerRecordKey,
        recover: async (daemon, { key, injection }, signal) => {
          await daemon.recoverTimeOffset({ containerId: injection.containerId, uid: key }, { signal });
        },
        describe: (recordId) => {
          const { namespace, podName, containerName } = parseContainerRecordId(recordId);
          return { pod: { namespace, name: podName }, what: `a clock offset (container ${containerName})`, fields: { container: containerName } };
        },
      }),
  };
}
