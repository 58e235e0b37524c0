import type { OpenApiSchema } from "@faultline/api";
import { kindNameOf, type ChaosKindDefinition } from "./chaos-kind-definition.js";

/** One chaos kind as Schedule and Workflow embed it: `podChaos: {…PodChaos spec…}`. */
export interface EmbeddedChaos {
  /** The kind, e.g. "PodChaos" (a Schedule's `type`, a Workflow template's `templateType`). */
  kind: string;
  /** Its field in the embedding object: the kind in lowerCamel, e.g. "podChaos". */
  field: string;
  /** The kind's `spec` schema, as its CRD has it. */
  spec: OpenApiSchema;
  /** The kind's plural, for the API path of the objects spawned from it. */
  plural: string;
  definition: ChaosKindDefinition;
}

/**
 * The field that embeds a kind's spec: Chaos Mesh's `EmbedChaos` names, its leading capitals
 * lowered as Go's JSON tags write them, e.g. "NetworkChaos" → "networkChaos", "HTTPChaos" →
 * "httpChaos", "DNSChaos" → "dnsChaos", "IOChaos" → "ioChaos".
 */
export function embeddedChaosField(kind: string): string {
  const capitals = /^[A-Z]+/.exec(kind)?.[0].length ?? 0;
  // an acronym's capitals all go lower but the last, which starts the next word ("HTTPChaos": "HTTP" + "Chaos")
  const lowered = capitals > 1 && capitals < kind.length ? capitals - 1 : capitals;
  return kind.slice(0, lowered).toLowerCase() + kind.slice(lowered);
}

/**
 * Every kind of a list as Schedule and Workflow embed it (Chaos Mesh's `EmbedChaos`), in the
 * list's order, so a kind added to the list is embeddable with no edit where it is embedded.
 *
 * @example
 * for (const { field, spec } of embeddedChaos(builtInChaosKinds)) properties[field] = spec;
 */
export function embeddedChaos(kinds: readonly ChaosKindDefinition[]): EmbeddedChaos[] {
  return kinds.map((definition) => {
    const version = definition.crd.spec.versions[0]!;
    const spec = version.schema.openAPIV3Schema.properties?.["spec"];
    if (spec === undefined) throw new Error(`chaos kind ${kindNameOf(definition)} has no spec schema in its CRD`);
    return { kind: kindNameOf(definition), field: embeddedChaosField(kindNameOf(definition)), spec, plural: definition.crd.spec.names.plural, definition };
  });
}
