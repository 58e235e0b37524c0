// A chaos kind written outside Faultline's repository, against its published packages only:
// PidProbeChaos asks each target container's daemon for the container's host pid (the
// ContainerGetPid RPC every Faultline daemon serves) and logs it. One-shot, like HelloWorldChaos.
import { Type } from "@sinclair/typebox";
import { ContainerAction_Action, containerSelectorFields, defineChaosCrd, type ChaosResourceOf } from "@faultline/api";
import { defineChaosKind } from "@faultline/chaos-kind";

export const pidProbeChaosCrd = defineChaosCrd({
  kind: "PidProbeChaos",
  description: "PidProbeChaos logs the host pid of each target container. One-shot.",
  spec: Type.Object({ ...containerSelectorFields }),
});

/** A PidProbeChaos object, its type derived from the schema above. */
export type PidProbeChaos = ChaosResourceOf<typeof pidProbeChaosCrd>;

export const pidProbeChaos = defineChaosKind({
  crd: pidProbeChaosCrd,
  oneShot: true,
  selectorKind: "container",
  manager: ({ decoder, log }) => ({
    async apply(ctx, index, records, obj: PidProbeChaos) {
      const record = records[index]!;
      const target = await decoder.decodeContainer(record.id, obj);
      const { pid } = await target.daemon.containerGetPid(
        { action: { action: ContainerAction_Action.GETPID }, containerId: target.containerId },
        { signal: ctx.signal },
      );
      log("PidProbeChaos found the container's pid", { id: record.id, containerId: target.containerId, pid });
      return "Injected";
    },
    async recover() {
      return "Not Injected";
    },
  }),
});
