// A kind's form, from the schema the API server publishes: OpenAPI v3 discovery
// (`openapi/v3/apis/chaos-mesh.org/v1alpha1`) holds every served CRD's schema, each tagged with its
// `x-kubernetes-group-version-kind`, so a kind added to the cluster gets a form with no edit here.
// The Kubernetes dialect is turned into the plain JSON Schema a form generator reads: `$ref`s
// resolved, `x-kubernetes-int-or-string` made a text field, `x-kubernetes-preserve-unknown-fields`
// a free map, and what only the API server can check (CEL rules, `oneOf`/`anyOf`/`allOf`/`not`
// constraints, Kubernetes' own formats) left to the server-side dry run ("Validate").

/** A (Kubernetes-flavoured) JSON schema node, as OpenAPI v3 discovery and CRDs write it. */
export interface KubeSchema {
  type?: string | string[];
  description?: string;
  title?: string;
  properties?: { [name: string]: KubeSchema };
  additionalProperties?: KubeSchema | boolean;
  items?: KubeSchema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  format?: string;
  $ref?: string;
  allOf?: KubeSchema[];
  oneOf?: KubeSchema[];
  anyOf?: KubeSchema[];
  not?: KubeSchema;
  nullable?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
  "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[];
  [keyword: string]: unknown;
}

/** An OpenAPI v3 discovery document for one group/version. */
export interface OpenApiDocument {
  components?: { schemas?: { [name: string]: KubeSchema } };
}

/** The JSON schema a form generator (RJSF) is given: standard keywords only. */
export type FormSchema = { [keyword: string]: unknown };

/** Thrown when a kind's schema cannot be found or read; the message names the kind or the reference. */
export class FormSchemaError extends Error {
  override name = "FormSchemaError";
}

// keywords JSON Schema (draft 7, what ajv checks in the browser) shares with Kubernetes' structural schemas
const keptKeywords = [
  "type",
  "description",
  "title",
  "enum",
  "default",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
] as const;

// formats ajv-formats knows and the API server means the same way; others (int32, int64, byte…) are Kubernetes' own
const keptFormats = new Set(["date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri", "uuid"]);

/** The `#/components/schemas/<name>` a `$ref` names, resolved in the document. */
function resolveRef(doc: OpenApiDocument, ref: string): KubeSchema {
  const prefix = "#/components/schemas/";
  if (!ref.startsWith(prefix)) throw new FormSchemaError(`cannot read the schema reference ${ref}: only ${prefix}… references are read`);
  const found = doc.components?.schemas?.[decodeURIComponent(ref.slice(prefix.length))];
  if (!found) throw new FormSchemaError(`the schema reference ${ref} names no schema of the document`);
  return found;
}

/** A schema with its `$ref` and single-`allOf` wrappers (how Kubernetes publishes references) replaced by what they name. */
function dereference(doc: OpenApiDocument, schema: KubeSchema, seen: readonly string[]): { schema: KubeSchema; seen: readonly string[] } {
  let current = schema;
  let path = seen;
  for (;;) {
    const ref = current.$ref ?? (current.allOf?.length === 1 && current.allOf[0]!.$ref !== undefined ? current.allOf[0]!.$ref : undefined);
    if (ref === undefined) return { schema: current, seen: path };
    if (path.includes(ref)) return { schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true, description: current.description }, seen: path };
    const { $ref: _ref, allOf: _allOf, ...siblings } = current;
    // the referencing schema's own description and default win over the referenced one's
    current = { ...resolveRef(doc, ref), ...siblings };
    path = [...path, ref];
  }
}

/**
 * The form schema of a Kubernetes schema node: standard keywords kept, references resolved,
 * int-or-string a string (digits become a number again in {@link fromFormData}), an open object
 * (preserve-unknown-fields, or `additionalProperties: true`) a map of free values.
 */
export function toFormSchema(schema: KubeSchema, doc: OpenApiDocument = {}, seen: readonly string[] = []): FormSchema {
  const { schema: node, seen: path } = dereference(doc, schema, seen);
  const out: FormSchema = {};
  for (const keyword of keptKeywords) if (node[keyword] !== undefined) out[keyword] = node[keyword];
  if (node.format !== undefined && keptFormats.has(node.format)) out["format"] = node.format;
  if (node["x-kubernetes-int-or-string"] === true) {
    out["type"] = "string";
    out["description"] = [node.description, "A number or a string (e.g. 50 or \"50%\")."].filter(Boolean).join(" ");
    return out;
  }
  const type = typeof node.type === "string" ? node.type : undefined;
  if (node.properties !== undefined || type === "object" || (type === undefined && node["x-kubernetes-preserve-unknown-fields"] === true)) {
    out["type"] = "object";
    if (node.properties !== undefined) {
      const properties: { [name: string]: FormSchema } = {};
      for (const [name, child] of Object.entries(node.properties)) properties[name] = toFormSchema(child, doc, path);
      out["properties"] = properties;
    }
    if (node.required !== undefined && node.required.length > 0) out["required"] = [...node.required];
    if (typeof node.additionalProperties === "object") out["additionalProperties"] = toFormSchema(node.additionalProperties, doc, path);
    else if (node["x-kubernetes-preserve-unknown-fields"] === true && node.properties === undefined) out["additionalProperties"] = true;
    else if (node.additionalProperties === true) out["additionalProperties"] = true;
    return out;
  }
  if (type === "array") {
    out["items"] = node.items !== undefined ? toFormSchema(node.items, doc, path) : {};
    return out;
  }
  if (type === undefined && node.enum === undefined) {
    // no type and nothing open about it: any value (a JSON value typed in YAML)
    delete out["type"];
  }
  return out;
}

/** The schema of `kind` in `group`/`version` in an OpenAPI v3 discovery document. */
export function findKindSchema(doc: OpenApiDocument, group: string, version: string, kind: string): KubeSchema {
  for (const schema of Object.values(doc.components?.schemas ?? {})) {
    if ((schema["x-kubernetes-group-version-kind"] ?? []).some((gvk) => gvk.group === group && gvk.version === version && gvk.kind === kind)) return schema;
  }
  throw new FormSchemaError(`the API server publishes no schema for ${kind}.${group}/${version} (its OpenAPI v3 discovery lists none tagged with that kind)`);
}

/** The form schema of a kind's `spec`, from OpenAPI v3 discovery. */
export function specFormSchema(doc: OpenApiDocument, group: string, version: string, kind: string): FormSchema {
  const { schema } = dereference(doc, findKindSchema(doc, group, version, kind), []);
  const spec = schema.properties?.["spec"];
  if (spec === undefined) throw new FormSchemaError(`the schema of ${kind} has no spec`);
  return { ...toFormSchema(spec, doc), title: `${kind} spec` };
}

/** The spec schema of a kind, without resolving (for {@link fromFormData}). */
export function specKubeSchema(doc: OpenApiDocument, group: string, version: string, kind: string): KubeSchema {
  const { schema } = dereference(doc, findKindSchema(doc, group, version, kind), []);
  const spec = schema.properties?.["spec"];
  if (spec === undefined) throw new FormSchemaError(`the schema of ${kind} has no spec`);
  return spec;
}

/**
 * The value the API server is sent for what the form holds: an int-or-string field whose text is
 * a whole number becomes that number (Kubernetes reads 5 and "5" differently there: a count
 * against a name or a percentage), and empty strings, empty objects and empty arrays the form
 * leaves behind are dropped unless the field is required (so an untouched optional field stays absent, as in a hand-written manifest).
 */
export function fromFormData(value: unknown, schema: KubeSchema | undefined, doc: OpenApiDocument = {}): unknown {
  const node = schema === undefined ? undefined : dereference(doc, schema, []).schema;
  if (node?.["x-kubernetes-int-or-string"] === true && typeof value === "string" && /^-?[0-9]+$/.test(value.trim())) return Number(value.trim());
  if (Array.isArray(value)) {
    return value.map((item) => fromFormData(item, node?.items, doc)).filter((item) => item !== undefined);
  }
  if (typeof value === "object" && value !== null) {
    const out: { [key: string]: unknown } = {};
    for (const [key, child] of Object.entries(value)) {
      const childSchema = node?.properties?.[key] ?? (typeof node?.additionalProperties === "object" ? node.additionalProperties : undefined);
      const converted = fromFormData(child, childSchema, doc);
      if (converted === undefined) continue;
      const empty = typeof converted === "object" && converted !== null && (Array.isArray(converted) ? converted.length === 0 : Object.keys(converted).length === 0);
      // an optional object or list the form left empty stays absent; a required one is sent empty (`selector: {}` means something)
      if (empty && !(node?.required ?? []).includes(key)) continue;
      out[key] = converted;
    }
    return out;
  }
  if (value === "" || value === null) return undefined;
  return value;
}
