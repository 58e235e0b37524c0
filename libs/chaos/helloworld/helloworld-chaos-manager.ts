import type { HelloWorldChaos } from "@faultline/api";
import { inlineSelector, type ChaosKind, type ChaosObject, type RecordDecoder } from "@faultline/impl-registry";

/** What the HelloWorldChaos manager impl needs: a way from a container record to its daemon. */
export interface HelloWorldChaosKindDeps {
  decoder: RecordDecoder;
  /** Logs "Apply helloworld chaos" per record, as Chaos Mesh's controller does; optional. */
  log?: (message: string, fields: { [key: string]: unknown }) => void;
}

/**
 * The manager side of HelloWorldChaos: Apply asks the daemon on the record's node to run
 * ExecHelloWorldChaos in the record's container; Recover has nothing to undo. One-shot, as in
 * Chaos Mesh: the experiment stays in Run until it is deleted, whatever its `duration` says.
 *
 * @example
 * kinds.register(helloWorldChaosKind({ decoder }));
 */
export function helloWorldChaosKind(deps: HelloWorldChaosKindDeps): ChaosKind<HelloWorldChaos & ChaosObject> {
  return {
    kind: "HelloWorldChaos",
    plural: "helloworldchaos",
    oneShot: true,
    selectorKind: "container",
    selectors: inlineSelector,
    impl: {
      async apply(ctx, index, records, obj) {
        const record = records[index]!;
        deps.log?.("Apply helloworld chaos", { id: record.id, chaos: ctx.namespacedName });
        const target = await deps.decoder.decodeContainer(record.id, obj);
        await target.daemon.execHelloWorldChaos({ containerId: target.containerId }, { signal: ctx.signal });
        return "Injected";
      },
      async recover(ctx, index, records) {
        deps.log?.("Recover helloworld chaos", { id: records[index]!.id, chaos: ctx.namespacedName });
        return "Not Injected";
      },
    },
  };
}
