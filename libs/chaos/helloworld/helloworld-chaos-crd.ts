import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, type ChaosResourceOf } from "@faultline/api";

/** The HelloWorldChaos CRD (`helloworldchaos.chaos-mesh.org`): which containers, and for how long. */
export const helloWorldChaosCrd = defineChaosCrd({
  kind: "HelloWorldChaos",
  description: "HelloWorldChaos runs `ps aux` in each target container and logs the output. One-shot.",
  spec: Type.Object(
    { ...containerSelectorFields, duration: Type.Optional(durationSchema) },
    { description: "Which containers to run `ps aux` in, and for how long the experiment lasts." },
  ),
});

/** HelloWorldChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type HelloWorldChaos = ChaosResourceOf<typeof helloWorldChaosCrd>;
/** The spec of a HelloWorldChaos: a ContainerSelector inline and an optional duration. */
export type HelloWorldChaosSpec = HelloWorldChaos["spec"];
