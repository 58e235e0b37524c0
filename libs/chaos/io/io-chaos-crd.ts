import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, type ChaosResourceOf } from "@faultline/api";

/** The IOChaos CRD (`iochaos.chaos-mesh.org`): which containers, for how long, and IOChaos's own fields. */
export const ioChaosCrd = defineChaosCrd({
  kind: "IOChaos",
  description: "IOChaos runs its fault in each target container through the node's daemon.",
  // the kind's own fields go beside the selector's, each with a description for `kubectl explain`
  spec: Type.Object(
    {
      ...containerSelectorFields,
      duration: Type.Optional(durationSchema),
      volumePath: Type.String({ description: "volumePath: IOChaos's own field, sent to the daemon in ExecIOChaos and RecoverIOChaos." }),
    },
    { description: "Which containers IOChaos targets, for how long the experiment lasts, and what the fault needs." },
  ),
});

/** IOChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type IOChaos = ChaosResourceOf<typeof ioChaosCrd>;
/** The spec of a IOChaos: a ContainerSelector inline, an optional duration, and the kind's own volumePath. */
export type IOChaosSpec = IOChaos["spec"];
