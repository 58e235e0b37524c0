import { chaosStatusSchema } from "./chaos-status-schema.js";
import { chaosGroup, chaosVersion } from "./group-version.js";
import type { CustomResourceDefinition, OpenApiSchema, PrinterColumn } from "./openapi-schema.js";

/** What makes one chaos kind's CRD different from another's. */
export interface ChaosCrdOptions {
  /** The kind, for example "HelloWorldChaos"; plural and singular are its lowercase form. */
  kind: string;
  /** What the kind does, shown by `kubectl explain`. */
  description: string;
  /** The schema of `spec`. */
  specSchema: OpenApiSchema;
  /** Columns shown before the ones every chaos kind has (duration, age). */
  printerColumns?: PrinterColumn[];
  shortNames?: string[];
}

/** The printer columns every chaos kind ends with. */
export const chaosPrinterColumns: readonly PrinterColumn[] = [
  { name: "duration", type: "string", jsonPath: ".spec.duration" },
  { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
];

/**
 * The CRD of a `chaos-mesh.org/v1alpha1` chaos kind: namespaced, in the `all` and `chaos-mesh`
 * categories, with the shared status schema and a status subresource.
 *
 * ```ts
 * const podChaosCrd = defineChaosCrd({ kind: "PodChaos", description: "...", specSchema });
 * ```
 */
export function defineChaosCrd(options: ChaosCrdOptions): CustomResourceDefinition {
  const plural = options.kind.toLowerCase();
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.${chaosGroup}` },
    spec: {
      group: chaosGroup,
      names: {
        kind: options.kind,
        listKind: `${options.kind}List`,
        plural,
        singular: plural,
        ...(options.shortNames ? { shortNames: options.shortNames } : {}),
        categories: ["all", "chaos-mesh"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: chaosVersion,
          served: true,
          storage: true,
          additionalPrinterColumns: [...(options.printerColumns ?? []), ...chaosPrinterColumns],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: options.description,
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: options.specSchema,
                status: chaosStatusSchema,
              },
            },
          },
          subresources: { status: {} },
        },
      ],
    },
  };
}
