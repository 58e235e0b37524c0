import { Type, type Static, type TSchema, type TUnsafe } from "@sinclair/typebox";
import type { OpenApiSchema } from "./openapi-schema.js";

/**
 * Schema builders for the shapes Kubernetes' structural schemas need and TypeBox spells otherwise
 * (TypeBox writes a map as `patternProperties` and a string union as `anyOf`, which a CRD refuses).
 * Each returns a TypeBox schema, so `Static<typeof schema>` is the matching TypeScript type.
 */

/** A map of strings (`additionalProperties: {type: string}`), e.g. `labelSelectors`. */
export function stringMap(description: string): TUnsafe<{ [key: string]: string }> {
  return Type.Unsafe<{ [key: string]: string }>({ type: "object", description, additionalProperties: { type: "string" } });
}

/** A map whose values all follow `values` (`additionalProperties`), e.g. `pods: {ns: [names]}`. */
export function mapOf<T extends TSchema>(values: T, description: string): TUnsafe<{ [key: string]: Static<T> }> {
  return Type.Unsafe<{ [key: string]: Static<T> }>({ type: "object", description, additionalProperties: values });
}

/** A list of strings. */
export function stringList(description: string): TUnsafe<string[]> {
  return Type.Unsafe<string[]>({ type: "array", description, items: { type: "string" } });
}

/** One of a fixed set of strings (`enum`), typed as their union. */
export function stringEnum<const V extends readonly string[]>(values: V, description?: string): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({ type: "string", ...(description === undefined ? {} : { description }), enum: [...values] });
}

/** Thrown when a schema uses something a CRD's structural schema cannot hold. */
export class NotStructuralSchemaError extends Error {
  override name = "NotStructuralSchemaError";
}

// The keys an apiextensions.k8s.io/v1 JSONSchemaProps may carry, in the order the YAML shows them.
const keyOrder = [
  "type",
  "description",
  "required",
  "properties",
  "additionalProperties",
  "items",
  "enum",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "nullable",
  "default",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-map-type",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-validations",
] as const;
const allowed = new Set<string>(keyOrder);

/**
 * The plain OpenAPI v3 object a CRD carries for a TypeBox schema: TypeBox's symbols dropped, keys
 * in a stable order, and every node checked against what a structural schema allows (every node
 * typed, no `anyOf`/`const`/`patternProperties`), so a mistake fails when the CRD is built, not
 * when the API server refuses it.
 *
 * @example
 * toOpenApiSchema(Type.Object({ duration: Type.Optional(durationSchema) }));
 */
export function toOpenApiSchema(schema: TSchema | OpenApiSchema, path = "spec"): OpenApiSchema {
  const node = schema as { [key: string]: unknown };
  const unknown = Object.keys(node).filter((key) => !allowed.has(key));
  if (unknown.length) {
    throw new NotStructuralSchemaError(`${path}: ${unknown.join(", ")} cannot appear in a CRD's structural schema`);
  }
  if (node["type"] === undefined && !node["x-kubernetes-int-or-string"] && !node["x-kubernetes-preserve-unknown-fields"]) {
    throw new NotStructuralSchemaError(`${path}: every node of a structural schema needs a type`);
  }
  const out: { [key: string]: unknown } = {};
  for (const key of keyOrder) {
    const value = node[key];
    if (value === undefined) continue;
    if (key === "properties") {
      out[key] = Object.fromEntries(
        Object.entries(value as { [name: string]: TSchema }).map(([name, child]) => [name, toOpenApiSchema(child, `${path}.${name}`)]),
      );
    } else if (key === "items") out[key] = toOpenApiSchema(value as TSchema, `${path}[]`);
    else if (key === "additionalProperties" && typeof value === "object") out[key] = toOpenApiSchema(value as TSchema, `${path}.*`);
    else out[key] = structuredClone(value);
  }
  return out as OpenApiSchema;
}
