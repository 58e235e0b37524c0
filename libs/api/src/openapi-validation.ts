// A validator for the structural-schema subset Faultline's CRDs use, so a kind's tests (and tools)
// can check manifests against its schema without an API server. Unknown fields are errors, as with
// kubectl's default strict field validation. CEL rules are not evaluated here: the API server
// remains the real judge, and integration tests send the same manifests to it.
import type { OpenApiSchema } from "./v1alpha1/openapi-schema.js";

/** Every way `value` breaks `schema`, as "path: problem" strings; empty when it is valid. */
export function validateAgainstSchema(value: unknown, schema: OpenApiSchema, path = ""): string[] {
  const at = path || "<root>";
  if (schema["x-kubernetes-preserve-unknown-fields"] && schema.type === undefined) return [];
  if (value === null) return schema.nullable ? [] : [`${at}: must not be null`];
  const errors: string[] = [];
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) return [`${at}: must be an object`];
      const object = value as { [key: string]: unknown };
      for (const name of schema.required ?? []) {
        if (object[name] === undefined) errors.push(`${path}.${name}: required`);
      }
      for (const [name, item] of Object.entries(object)) {
        if (item === undefined) continue; // absent, as in JSON
        const itemSchema = schema.properties?.[name] ?? schema.additionalProperties;
        if (itemSchema) errors.push(...validateAgainstSchema(item, itemSchema, `${path}.${name}`));
        else if (schema.properties && !schema["x-kubernetes-preserve-unknown-fields"]) {
          errors.push(`${path}.${name}: unknown field`);
        }
      }
      break;
    }
    case "array":
      if (!Array.isArray(value)) return [`${at}: must be an array`];
      value.forEach((item, i) => {
        if (schema.items) errors.push(...validateAgainstSchema(item, schema.items, `${path}[${i}]`));
      });
      break;
    case "string":
      if (typeof value !== "string") return [`${at}: must be a string`];
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) {
        errors.push(`${at}: must match ${schema.pattern}`);
      }
      if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) errors.push(`${at}: must be a date-time`);
      break;
    case "integer":
    case "number":
      if (typeof value !== "number" || (schema.type === "integer" && !Number.isInteger(value))) {
        return [`${at}: must be an ${schema.type}`];
      }
      if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: must be >= ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: must be <= ${schema.maximum}`);
      break;
    case "boolean":
      if (typeof value !== "boolean") return [`${at}: must be a boolean`];
      break;
    case undefined:
      break;
  }
  if (schema.enum && !schema.enum.includes(value as string)) {
    errors.push(`${at}: must be one of ${schema.enum.join(", ")}`);
  }
  return errors;
}
