import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, type ChaosResourceOf } from "@faultline/api";

/** The TimeChaos CRD (`timechaos.chaos-mesh.org`): which containers, for how long, and TimeChaos's own fields. */
export const timeChaosCrd = defineChaosCrd({
  kind: "TimeChaos",
  description: "TimeChaos runs its fault in each target container through the node's daemon.",
  // the kind's own fields go beside the selector's, each with a description for `kubectl explain`
  spec: Type.Object(
    {
      ...containerSelectorFields,
      duration: Type.Optional(durationSchema),
      timeOffset: Type.String({ description: "timeOffset: TimeChaos's own field, sent to the daemon in ExecTimeChaos and RecoverTimeChaos." }),
      clockIds: Type.Optional(Type.Array(Type.String(), { description: "clockIds: TimeChaos's own field, sent to the daemon in ExecTimeChaos and RecoverTimeChaos." })),
    },
    { description: "Which containers TimeChaos targets, for how long the experiment lasts, and what the fault needs." },
  ),
});

/** TimeChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type TimeChaos = ChaosResourceOf<typeof timeChaosCrd>;
/** The spec of a TimeChaos: a ContainerSelector inline, an optional duration, and the kind's own timeOffset, clockIds. */
export type TimeChaosSpec = TimeChaos["spec"];
