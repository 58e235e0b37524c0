import type { Static, TObject } from "@sinclair/typebox";
import { chaosStatusSchema } from "./chaos-status-schema.js";
import type { ChaosStatus } from "./chaos-status.js";
import type { ChaosObjectMeta } from "./chaos-object-meta.js";
import { chaosApiVersion } from "./group-version.js";
import { defineResourceCrd } from "./resource-crd.js";
import type { CustomResourceDefinition, PrinterColumn } from "./openapi-schema.js";
import { toOpenApiSchema } from "./structural-schema.js";

/** What makes one chaos kind's CRD different from another's. */
export interface ChaosCrdOptions<Kind extends string, Spec extends TObject> {
  /** The kind, for example "HelloWorldChaos"; plural and singular are its lowercase form. */
  kind: Kind;
  /** What the kind does, shown by `kubectl explain`. */
  description: string;
  /** The schema of `spec` (TypeBox, so the spec's TypeScript type is `Static<typeof spec>`). */
  spec: Spec;
  /** Columns shown before the ones every chaos kind has (duration, age). */
  printerColumns?: PrinterColumn[];
  shortNames?: string[];
}

declare const chaosTypes: unique symbol;

/**
 * The CRD of one chaos kind, carrying its kind name and spec type for the compiler (the types
 * exist only at compile time: nothing is added to the CRD's JSON).
 */
export interface ChaosCrd<Kind extends string = string, Spec = unknown> extends CustomResourceDefinition {
  readonly [chaosTypes]?: { kind: Kind; spec: Spec };
}

/** A chaos object of the kind a {@link ChaosCrd} defines, e.g. `ChaosResourceOf<typeof helloWorldChaosCrd>`. */
export type ChaosResourceOf<Crd> = Crd extends ChaosCrd<infer Kind, infer Spec> ? ChaosResource<Kind, Spec> : never;

/** A `chaos-mesh.org/v1alpha1` object: metadata, its kind's spec, the status every kind shares. */
export interface ChaosResource<Kind extends string = string, Spec = unknown> {
  apiVersion: typeof chaosApiVersion;
  kind: Kind;
  metadata: ChaosObjectMeta;
  spec: Spec;
  status?: ChaosStatus;
}

/** The printer columns every chaos kind ends with. */
export const chaosPrinterColumns: readonly PrinterColumn[] = [
  // progress at any size ("9998 of 10000 record(s) injected"), from the condition's message
  { name: "injected", type: "string", jsonPath: '.status.conditions[?(@.type=="AllInjected")].message' },
  { name: "duration", type: "string", jsonPath: ".spec.duration" },
  { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/**
 * The CRD of a `chaos-mesh.org/v1alpha1` chaos kind: namespaced, in the `all` and `chaos-mesh`
 * categories, with the shared status schema and a status subresource. The kind's name is written
 * here once; plural, singular, list kind and the CRD's name derive from it, and the object's type
 * from the CRD (`ChaosResourceOf<typeof crd>`).
 *
 * ```ts
 * const podChaosCrd = defineChaosCrd({ kind: "PodChaos", description: "...", spec: Type.Object({...}) });
 * type PodChaos = ChaosResourceOf<typeof podChaosCrd>;
 * ```
 */
export function defineChaosCrd<Kind extends string, Spec extends TObject>(
  options: ChaosCrdOptions<Kind, Spec>,
): ChaosCrd<Kind, Static<Spec>> {
  const plural = options.kind.toLowerCase();
  return defineResourceCrd({
    kind: options.kind,
    plural,
    singular: plural,
    ...(options.shortNames ? { shortNames: options.shortNames } : {}),
    categories: ["all", "chaos-mesh"],
    description: options.description,
    spec: toOpenApiSchema(options.spec, "spec"),
    status: chaosStatusSchema,
    printerColumns: [...(options.printerColumns ?? []), ...chaosPrinterColumns],
  });
}
