import type { KindLog } from "@faultline/chaos-kind";
import { containerIdOf, type RecordDecoder } from "@faultline/daemon-client";
import type { ChaosImpl } from "@faultline/impl-registry";
import type { HTTPChaos } from "./http-chaos-crd.js";

/**
 * The manager side of HTTPChaos: Apply asks the daemon on the record's node to run ExecHTTPChaos
 * in the record's pod (through its first container, whose network namespace the pod's containers share).
 * Recover asks the same daemon to run RecoverHTTPChaos, which removes what ExecHTTPChaos left
 * (`httpRecoverCommand` in http-chaos-daemon.ts). A target that is gone — its pod deleted, or a
 * container its daemon answers NotFound for — counts as recovered: the records pipeline treats
 * both errors that way, since nothing of the fault survives in it.
 * The experiment lasts `spec.duration` (until it is deleted when unset), then every record is recovered.
 */
export function httpChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): ChaosImpl<HTTPChaos> {
  // the record's pod's first container, and the daemon client for its node
  const targetOf = async (recordId: string, obj: HTTPChaos) => {
    const target = await deps.decoder.decodePod(recordId, obj);
    const first = target.pod.spec?.containers[0]?.name ?? "";
    return { daemon: target.daemon, containerId: containerIdOf(target.pod, first, recordId) };
  };
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Apply HTTPChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.execHTTPChaos({ containerId }, { signal: ctx.signal });
      return "Injected";
    },
    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover HTTPChaos", { id: record.id, chaos: ctx.namespacedName });
      const { daemon, containerId } = await targetOf(record.id, obj);
      await daemon.recoverHTTPChaos({ containerId }, { signal: ctx.signal });
      return "Not Injected";
    },
  };
}
