/**
 * The subset of OpenAPI v3 that Kubernetes accepts in a CustomResourceDefinition's structural schema
 * (apiextensions.k8s.io/v1 JSONSchemaProps), with its `x-kubernetes-*` extensions.
 * JSON key names are kept verbatim, so a schema written with this type serializes as-is.
 */
export interface OpenApiSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  properties?: { [name: string]: OpenApiSchema };
  required?: string[];
  /** For maps: the schema of every value. */
  additionalProperties?: OpenApiSchema;
  items?: OpenApiSchema;
  enum?: (string | number | boolean)[];
  /** An RE2 regular expression (ECMAScript-compatible in every pattern Faultline uses). */
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  default?: unknown;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-map-type"?: "granular" | "atomic";
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  /** CEL rules the API server checks at admission (no webhook needed). */
  "x-kubernetes-validations"?: CelValidationRule[];
}

/** One CEL validation rule (apiextensions.k8s.io/v1 ValidationRule). */
export interface CelValidationRule {
  /** A CEL expression over `self` (and `oldSelf` for transition rules) that must be true. */
  rule: string;
  message?: string;
  messageExpression?: string;
  /** The field the error names, relative to this node, e.g. `.containerNames`. */
  fieldPath?: string;
  reason?: "FieldValueInvalid" | "FieldValueForbidden" | "FieldValueRequired" | "FieldValueDuplicate";
  optionalOldSelf?: boolean;
}

/** A column `kubectl get` prints for a custom resource. */
export interface PrinterColumn {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

/** One served version of a custom resource. */
export interface CustomResourceDefinitionVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema: { openAPIV3Schema: OpenApiSchema };
  subresources?: { status?: Record<string, never> };
  additionalPrinterColumns?: PrinterColumn[];
}

/** The names of a custom resource. */
export interface CustomResourceDefinitionNames {
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  categories?: string[];
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition, as plain JSON. */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels?: { [key: string]: string }; annotations?: { [key: string]: string } };
  spec: {
    group: string;
    names: CustomResourceDefinitionNames;
    scope: "Namespaced" | "Cluster";
    versions: CustomResourceDefinitionVersion[];
  };
}
