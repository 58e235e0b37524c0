import { chaosGroup, chaosVersion } from "./group-version.js";
import type { CustomResourceDefinition, OpenApiSchema, PrinterColumn } from "./openapi-schema.js";

/** What makes one `chaos-mesh.org/v1alpha1` resource's CRD different from another's. */
export interface ResourceCrdOptions {
  /** The kind, e.g. "Schedule"; the list kind is `<kind>List`. */
  kind: string;
  /** Default: the kind in lower case plus "s" ("schedules"). */
  plural?: string;
  /** Default: the kind in lower case. */
  singular?: string;
  shortNames?: string[];
  /** Default `["chaos-mesh"]`. */
  categories?: string[];
  /** What the resource is, shown by `kubectl explain`. */
  description: string;
  spec: OpenApiSchema;
  status: OpenApiSchema;
  printerColumns: PrinterColumn[];
}

/**
 * The CRD of a namespaced `chaos-mesh.org/v1alpha1` resource with a `spec` (required), a `status`
 * and a status subresource: every chaos kind (through `defineChaosCrd`), and Schedule, Workflow,
 * WorkflowNode and StatusCheck.
 *
 * @example
 * defineResourceCrd({ kind: "StatusCheck", description: "...", spec, status, printerColumns: [...] });
 */
export function defineResourceCrd(options: ResourceCrdOptions): CustomResourceDefinition {
  const lower = options.kind.toLowerCase();
  const plural = options.plural ?? `${lower}s`;
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
        singular: options.singular ?? lower,
        ...(options.shortNames ? { shortNames: options.shortNames } : {}),
        categories: options.categories ?? ["chaos-mesh"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: chaosVersion,
          served: true,
          storage: true,
          additionalPrinterColumns: options.printerColumns,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: options.description,
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: options.spec,
                status: options.status,
              },
            },
          },
          subresources: { status: {} },
        },
      ],
    },
  };
}
