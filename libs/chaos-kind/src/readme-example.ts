import { Type } from "@sinclair/typebox";
import { ContainerAction_Action, containerSelectorFields, defineChaosCrd, durationSchema } from "@faultline/api";
import { defineChaosKind } from "@faultline/chaos-kind";

/** The CRD, from the schema: the kind's name is written here once; plural, list kind and type derive from it. */
export const containerRestartChaosCrd = defineChaosCrd({
  kind: "ContainerRestartChaos",
  description: "ContainerRestartChaos kills each target container once, so that its kubelet restarts it.",
  spec: Type.Object({ ...containerSelectorFields, duration: Type.Optional(durationSchema) }),
});

/** The kind: what the manager does per record (here through an RPC every daemon has), one-shot. */
export const containerRestartChaos = defineChaosKind({
  crd: containerRestartChaosCrd,
  oneShot: true,
  selectorKind: "container",
  manager: ({ decoder }) => ({
    async apply(ctx, index, records, obj) {
      const { daemon, containerId } = await decoder.decodeContainer(records[index]!.id, obj);
      await daemon.containerKill({ action: { action: ContainerAction_Action.KILL }, containerId }, { signal: ctx.signal });
      return "Injected";
    },
    async recover() {
      return "Not Injected"; // a killed container cannot be un-killed: its kubelet restarts it
    },
  }),
});
