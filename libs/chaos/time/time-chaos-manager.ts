import type { KindLog } from "@faultline/chaos-kind";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { ChaosImpl } from "@faultline/impl-registry";
import type { TimeChaos, TimeChaosSpec } from "./time-chaos-crd.js";

/** The spec's own fields, as ExecTimeChaos and RecoverTimeChaos carry them to the daemon. */
function requestFieldsOf(spec: TimeChaosSpec) {
  return { timeOffset: spec.timeOffset, clockIds: spec.clockIds };
}

/**
 * The manager side of TimeChaos: Apply asks the daemon on the record's node to run ExecTimeChaos
 * in the record's container, with the spec's own fields.
 * Recover asks the same daemon to run RecoverTimeChaos, which removes what ExecTimeChaos left
 * (`timeRecoverCommand` in time-chaos-daemon.ts). A target that is gone — its pod deleted, or a
 * container its daemon answers NotFound for — counts as recovered: the records pipeline treats
 * both errors that way, since nothing of the fault survives in it.
 * The experiment lasts `spec.duration` (until it is deleted when unset), then every record is recovered.
 */
export function timeChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): ChaosImpl<TimeChaos> {
  // the record's container, and the daemon client for its node
  const targetOf = async (recordId: string, obj: TimeChaos) => {
    const target = await deps.decoder.decodeContainer(recordId, obj);
    return { daemon: target.daemon, containerId: target.containerId };
  };
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Apply TimeChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.execTimeChaos({ containerId, ...requestFieldsOf(obj.spec) }, { signal: ctx.signal });
      return "Injected";
    },
    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover TimeChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.recoverTimeChaos({ containerId, ...requestFieldsOf(obj.spec) }, { signal: ctx.signal });
      return "Not Injected";
    },
  };
}
