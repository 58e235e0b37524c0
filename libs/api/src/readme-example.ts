import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, stringEnum, type ChaosResourceOf } from "@faultline/api";

/** A PodChaos CRD and type from one schema: selector, mode, value, containerNames, action, duration. */
export const podChaosCrd = defineChaosCrd({
  kind: "PodChaos",
  description: "PodChaos kills pods or containers, or makes pods fail.",
  spec: Type.Object({
    ...containerSelectorFields,
    action: stringEnum(["pod-kill", "pod-failure", "container-kill"] as const, "What to do to each target."),
    duration: Type.Optional(durationSchema),
  }),
  printerColumns: [{ name: "action", type: "string", jsonPath: ".spec.action" }],
});

/** The object's type, derived from the schema: `spec.action` is "pod-kill" | "pod-failure" | "container-kill". */
export type PodChaos = ChaosResourceOf<typeof podChaosCrd>;
