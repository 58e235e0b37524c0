import { ExecHelloWorldRequestSchema } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import type { ChaosImpl } from "@faultline/impl-registry";
import type { RecordDecoder } from "@faultline/daemon-client";
import { decodeForPlan, hostPidOf, inNamespacesArgv, requestJson } from "../record-plan/record-plan.js";
import type { HelloWorldChaos } from "./helloworld-chaos-crd.js";
import { helloWorldCommand, helloWorldNamespaces } from "./helloworld-chaos-daemon.js";

/**
 * The manager side of HelloWorldChaos: Apply asks the daemon on the record's node to run
 * ExecHelloWorldChaos in the record's container; Recover has nothing to undo. One-shot, as in
 * Chaos Mesh: the experiment stays in Run until it is deleted, whatever its `duration` says.
 * Plan: the same request, and the command the daemon runs for it (`helloWorldCommand` in the
 * namespaces `helloWorldNamespaces`, behind the daemon runner's nsenter); a container not reachable
 * (not started, no daemon on its node) is a plan that says so.
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
    async plan(_ctx, index, records, obj) {
      const decoded = await decodeForPlan(() => deps.decoder.decodeContainer(records[index]!.id, obj));
      if (decoded.plan) return decoded.plan;
      const { target } = decoded;
      return {
        capable: true,
        steps: [
          {
            on: "daemon",
            rpc: "ExecHelloWorldChaos",
            request: requestJson(ExecHelloWorldRequestSchema, { containerId: target.containerId }),
            argv: [inNamespacesArgv(hostPidOf(target.containerId), helloWorldNamespaces, helloWorldCommand)],
            note: "the process list is written to the daemon's log",
          },
        ],
      };
    },
    async recover(ctx, index, records) {
      deps.log("Recover helloworld chaos", { id: records[index]!.id, chaos: ctx.namespacedName });
      return "Not Injected";
    },
  };
}
