import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, stringEnum, type ChaosResourceOf } from "@faultline/api";
import { podDisruptionBudgetModes } from "./pod-disruption-budget.js";

/** PodChaos's three actions, with Chaos Mesh's names. */
export const podChaosActions = ["pod-kill", "pod-failure", "container-kill"] as const;

/**
 * The PodChaos CRD (`podchaos.chaos-mesh.org`), Chaos Mesh's fields unchanged. What Chaos Mesh's
 * webhook checked, the API server checks here at admission: the action enum, a non-negative grace
 * period, `containerNames` for container-kill, a well-formed duration (CEL rules and the schema,
 * no webhook).
 */
export const podChaosCrd = defineChaosCrd({
  kind: "PodChaos",
  description: "PodChaos kills pods (pod-kill), kills containers (container-kill), or makes pods fail by running the pause image in every container for the duration (pod-failure).",
  spec: Type.Object(
    {
      ...containerSelectorFields,
      action: stringEnum(podChaosActions, "pod-kill deletes each pod; pod-failure runs the pause image in each container until recovery; container-kill kills each container named in containerNames."),
      duration: Type.Optional(durationSchema),
      gracePeriod: Type.Optional(
        Type.Integer({ description: "pod-kill: seconds the pod has to stop; 0 (the default) deletes it immediately.", minimum: 0, format: "int64" }),
      ),
      podDisruptionBudget: Type.Optional(
        stringEnum(
          podDisruptionBudgetModes,
          "Faultline's: pod-kill and pod-failure of a pod a PodDisruptionBudget covers. Wait: the record waits until the PDB allows one more disruption; Skip: the record is skipped; Ignore: PDBs are not looked at (Chaos Mesh's behaviour). Absent: the manager's default (chart guardRails.podDisruptionBudget, Wait).",
        ),
      ),
      remoteCluster: Type.Optional(Type.String({ description: "Chaos Mesh's multi-cluster field; Faultline serves its own cluster only, so it must be empty." })),
    },
    {
      description: "Which pods or containers, what to do to them, and for how long (pod-failure).",
      "x-kubernetes-validations": [
        {
          rule: "self.action != 'container-kill' || (has(self.containerNames) && size(self.containerNames) > 0)",
          message: "the name of container is required on container-kill action",
          fieldPath: ".containerNames",
          reason: "FieldValueRequired",
        },
        {
          rule: "!has(self.remoteCluster) || self.remoteCluster == ''",
          message: "remote clusters are not supported: Faultline acts on the cluster it runs in",
          fieldPath: ".remoteCluster",
          reason: "FieldValueForbidden",
        },
      ],
    },
  ),
  printerColumns: [{ name: "action", type: "string", jsonPath: ".spec.action" }],
});

/** PodChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type PodChaos = ChaosResourceOf<typeof podChaosCrd>;
/** The spec of a PodChaos. */
export type PodChaosSpec = PodChaos["spec"];
/** One of PodChaos's actions. */
export type PodChaosAction = PodChaosSpec["action"];
