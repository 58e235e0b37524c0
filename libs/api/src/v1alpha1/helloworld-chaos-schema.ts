import { defineChaosCrd } from "./chaos-crd.js";
import { durationSchema } from "./duration-schema.js";
import type { CustomResourceDefinition, OpenApiSchema } from "./openapi-schema.js";
import { containerSelectorProperties, podSelectorRequired } from "./selector-schema.js";

/** The schema of HelloWorldChaos's spec: a ContainerSelector inline and an optional duration. */
export const helloWorldChaosSpecSchema: OpenApiSchema = {
  type: "object",
  description: "Which containers to run `ps aux` in, and for how long the experiment lasts.",
  required: [...podSelectorRequired],
  properties: {
    ...containerSelectorProperties,
    duration: durationSchema,
  },
};

/** The HelloWorldChaos CRD (`helloworldchaos.chaos-mesh.org`). */
export const helloWorldChaosCrd: CustomResourceDefinition = defineChaosCrd({
  kind: "HelloWorldChaos",
  description: "HelloWorldChaos runs `ps aux` in each target container and logs the output. One-shot.",
  specSchema: helloWorldChaosSpecSchema,
});
