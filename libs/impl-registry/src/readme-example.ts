import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, type ChaosResourceOf } from "@faultline/api";
import { ChaosKindRegistry, type ManagerKindDefinition, type ManagerKindDeps } from "@faultline/impl-registry";

/** The CRD, from the schema: the kind's name is written here once; plural, group, version and type derive from it. */
export const helloWorldChaosCrd = defineChaosCrd({
  kind: "HelloWorldChaos",
  description: "HelloWorldChaos runs a harmless command in each target container.",
  spec: Type.Object(containerSelectorFields),
});

/**
 * HelloWorldChaos's manager side, described once: Apply asks the daemon on the record's node to run
 * ExecHelloWorldChaos in the record's container; Recover has nothing to undo.
 */
export const helloWorld: ManagerKindDefinition<ChaosResourceOf<typeof helloWorldChaosCrd>> = {
  crd: helloWorldChaosCrd,
  oneShot: true,
  selectorKind: "container", // records are "ns/pod/container", chosen by the spec's inlined selector
  manager: ({ decoder }) => ({
    async apply(ctx, index, records, obj) {
      const { containerId, daemon } = await decoder.decodeContainer(records[index]!.id, obj);
      await daemon.execHelloWorldChaos({ containerId }, { signal: ctx.signal }); // sends namespaced-name
      return "Injected";
    },
    async recover() {
      return "Not Injected";
    },
  }),
};

/** The kinds a manager serves: one line per kind, each entry made from its definition and the manager's deps. */
export function helloWorldRegistry(deps: ManagerKindDeps): ChaosKindRegistry {
  return new ChaosKindRegistry().register(helloWorld, deps);
}
