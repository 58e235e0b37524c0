import type { KindLog } from "@faultline/chaos-kind";
import type { ChaosImpl } from "@faultline/impl-registry";
import type { RecordDecoder } from "@faultline/daemon-client";
import type { HelloWorldChaos } from "./helloworld-chaos-crd.js";

/**
 * The manager side of HelloWorldChaos: Apply asks the daemon on the record's node to run
 * ExecHelloWorldChaos in the record's container; Recover has nothing to undo. One-shot, as in
 * Chaos Mesh: the experiment stays in Run until it is deleted, whatever its `duration` says.
 */
export function helloWorldChaosManager(deps: { decoder: RecordDecoder; log: KindLog }): ChaosImpl<HelloWorldChaos> {
  return {
    async apply(ctx, index, records, obj) {
      const record = records[index]!;
      deps.log("Apply helloworld chaos", { id: record.id, chaos: ctx.namespacedName });
      const target = await deps.decoder.decodeContainer(record.id, obj);
      await target.daemon.execHelloWorldChaos({ containerId: target.containerId }, { signal: ctx.signal });
      return "Injected";
    },
    async recover(ctx, index, records) {
      deps.log("Recover helloworld chaos", { id: records[index]!.id, chaos: ctx.namespacedName });
      return "Not Injected";
    },
  };
}
