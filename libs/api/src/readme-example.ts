import {
  containerSelectorProperties,
  defineChaosCrd,
  durationSchema,
  podSelectorRequired,
  type CustomResourceDefinition,
} from "@faultline/api";

/** A PodChaos CRD built from the shared parts: selector, mode, value, containerNames, status. */
export const podChaosCrd: CustomResourceDefinition = defineChaosCrd({
  kind: "PodChaos",
  description: "PodChaos kills pods or containers, or makes pods fail.",
  specSchema: {
    type: "object",
    required: [...podSelectorRequired, "action"],
    properties: {
      ...containerSelectorProperties,
      action: { type: "string", enum: ["pod-kill", "pod-failure", "container-kill"] },
      duration: durationSchema,
    },
  },
  printerColumns: [{ name: "action", type: "string", jsonPath: ".spec.action" }],
});
