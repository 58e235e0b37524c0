import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, type ChaosResourceOf } from "@faultline/api";

/** The DNSChaos CRD (`dnschaos.chaos-mesh.org`): which containers, for how long, and DNSChaos's own fields. */
export const dnsChaosCrd = defineChaosCrd({
  kind: "DNSChaos",
  description: "DNSChaos runs its fault in each target container through the node's daemon.",
  // the kind's own fields go beside the selector's, each with a description for `kubectl explain`
  spec: Type.Object(
    {
      ...containerSelectorFields,
      duration: Type.Optional(durationSchema),
      action: Type.String({ description: "action: DNSChaos's own field, sent to the daemon in ExecDNSChaos and RecoverDNSChaos." }),
      patterns: Type.Optional(Type.Array(Type.String(), { description: "patterns: DNSChaos's own field, sent to the daemon in ExecDNSChaos and RecoverDNSChaos." })),
    },
    { description: "Which containers DNSChaos targets, for how long the experiment lasts, and what the fault needs." },
  ),
});

/** DNSChaos (`chaos-mesh.org/v1alpha1`), its type derived from the schema above. */
export type DNSChaos = ChaosResourceOf<typeof dnsChaosCrd>;
/** The spec of a DNSChaos: a ContainerSelector inline, an optional duration, and the kind's own action, patterns. */
export type DNSChaosSpec = DNSChaos["spec"];
