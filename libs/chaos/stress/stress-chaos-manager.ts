import { ExecStressRequest_Scope } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import { RecordDecodeError, type ChaosImpl, type RecordDecoder } from "@faultline/impl-registry";
import type { StressChaos } from "./stress-chaos-crd.js";
import { stressRecordKey, stressRequestOf } from "./stress-request.js";

/**
 * The manager side of StressChaos. Apply sends ExecStressors for the record's container to its
 * node's daemon, with Chaos Mesh's argument strings (`stressRequestOf`) and the record key
 * (`stressRecordKey`: the object's uid and the record id). Recover sends CancelStressors with that
 * key. The key is all the state there is, and it is derived, never stored: the daemon finds the
 * record's stressors by it (the processes carry it), so a restarted manager recovers what an
 * earlier one injected, an Apply retried after a lost status write starts nothing twice, and no
 * `status.instances` map grows with the records. A container that is gone or not running has no
 * stressors left (they lived in its pid namespace): recovered.
 */
export function stressChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): ChaosImpl<StressChaos> {
  const keyOf = (obj: StressChaos, recordId: string, namespacedName: string) => stressRecordKey(obj.metadata.uid ?? namespacedName, recordId);
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      const fields = stressRequestOf(obj.spec);
      deps.log("Apply StressChaos", { id: record.id, chaos: ctx.namespacedName, ...fields });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      const started = await target.daemon.execStressors(
        { scope: ExecStressRequest_Scope.CONTAINER, target: target.containerId, enterNs: true, ...fields, recordKey: keyOf(obj, record.id, ctx.namespacedName) },
        { signal: ctx.signal },
      );
      deps.log("StressChaos injected", { id: record.id, chaos: ctx.namespacedName, cpuInstance: started.cpuInstance, memoryInstance: started.memoryInstance });
      return "Injected";
    },
    async recover(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Recover StressChaos", { id: record.id, chaos: ctx.namespacedName });
      let target;
      try {
        target = await deps.decoder.decodeContainer(record.id, obj);
      } catch (err) {
        if (err instanceof RecordDecodeError) {
          deps.log("StressChaos target gone: nothing left to stop", { id: record.id, chaos: ctx.namespacedName, reason: err.reason });
          return "Not Injected";
        }
        throw err;
      }
      await target.daemon.cancelStressors({ recordKey: keyOf(obj, record.id, ctx.namespacedName) }, { signal: ctx.signal });
      return "Not Injected";
    },
  };
}
