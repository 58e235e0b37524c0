import type { KindLog } from "@faultline/chaos-kind";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { ChaosImpl } from "@faultline/impl-registry";
import type { IOChaos, IOChaosSpec } from "./io-chaos-crd.js";

/** The spec's own fields, as ExecIOChaos and RecoverIOChaos carry them to the daemon. */
function requestFieldsOf(spec: IOChaosSpec) {
  return { volumePath: spec.volumePath };
}

/**
 * The manager side of IOChaos: Apply asks the daemon on the record's node to run ExecIOChaos
 * in the record's container, with the spec's own fields.
 * Recover asks the same daemon to run RecoverIOChaos, which removes what ExecIOChaos left
 * (`ioRecoverCommand` in io-chaos-daemon.ts). A target that is gone — its pod deleted, or a
 * container its daemon answers NotFound for — counts as recovered: the records pipeline treats
 * both errors that way, since nothing of the fault survives in it.
 * The experiment lasts `spec.duration` (until it is deleted when unset), then every record is recovered.
 */
export function ioChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): ChaosImpl<IOChaos> {
  // the record's container, and the daemon client for its node
  const targetOf = async (recordId: string, obj: IOChaos) => {
    const target = await deps.decoder.decodeContainer(recordId, obj);
    return { daemon: target.daemon, containerId: target.containerId };
  };
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Apply IOChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.execIOChaos({ containerId, ...requestFieldsOf(obj.spec) }, { signal: ctx.signal });
      return "Injected";
    },
    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover IOChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.recoverIOChaos({ containerId, ...requestFieldsOf(obj.spec) }, { signal: ctx.signal });
      return "Not Injected";
    },
  };
}
