import { Type } from "@sinclair/typebox";
import { podSelectorFields, defineChaosCrd, durationSchema, type ChaosResourceOf } from "@faultline/api";

/** The HTTPChaos CRD (`httpchaos.chaos-mesh.org`): which pods, for how long. */
export const httpChaosCrd = defineChaosCrd({
  kind: "HTTPChaos",
  description: "HTTPChaos runs its fault in each target pod through the node's daemon.",
  // the kind's own fields go beside the selector's, each with a description for `kubectl explain`
  spec: Type.Object(
    {
      ...podSelectorFields,
      duration: Type.Optional(durationSchema),
    },
    { description: "Which pods HTTPChaos targets, for how long the experiment lasts." },
  ),
});

/** HTTPChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type HTTPChaos = ChaosResourceOf<typeof httpChaosCrd>;
/** The spec of a HTTPChaos: a PodSelector inline, an optional duration. */
export type HTTPChaosSpec = HTTPChaos["spec"];
