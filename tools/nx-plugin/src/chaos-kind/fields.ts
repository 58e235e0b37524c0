/** The types a kind's own spec field can have, with what each becomes in the CRD, the proto and TypeScript. */
export const fieldTypes = {
  string: { proto: "string", ts: "string", schema: "Type.String", example: (i: number, name: string) => JSON.stringify(`${name}-value`) },
  "string[]": { proto: "repeated string", ts: "string[]", schema: "Type.Array(Type.String())", example: (i: number, name: string) => `[${JSON.stringify(`${name}-value`)}]` },
  bool: { proto: "bool", ts: "boolean", schema: "Type.Boolean", example: () => "true" },
  int32: { proto: "int32", ts: "number", schema: "Type.Integer", example: (i: number) => String(i + 1) },
  uint32: { proto: "uint32", ts: "number", schema: "Type.Integer", example: (i: number) => String(i + 1) },
} as const;

export type FieldType = keyof typeof fieldTypes;

/** One field of a kind's spec that its daemon requests carry (`--field size:string`). */
export interface KindField {
  /** The spec's field and the request's TypeScript property: `fillPath`. */
  name: string;
  /** The proto field: `fill_path`. */
  protoName: string;
  type: FieldType;
  /** Optional in the CRD (`name?:type`); the daemon then sees the type's zero value ("", 0, false, []) when it is unset. */
  optional: boolean;
  /** The proto field number: 2, 3, … (1 is container_id). */
  number: number;
  /** The TypeBox schema, as code: `Type.String({ description: "…" })`. */
  schema: string;
  /** The proto line, without its comment: `string fill_path = 3;`. */
  protoLine: string;
  /** A value for examples and tests, as code: `"fillPath-value"`, `1`, `true`. */
  example: string;
  /** A value of the wrong type, as code, and the error validateAgainstSchema gives for it. */
  wrong: string;
  wrongError: string;
}

/** Thrown for a `--field` the generator refuses, saying why. */
export class KindFieldError extends Error {
  override name = "KindFieldError";
}

// Names every kind's spec, its requests or protobuf-es's generated messages already use
const reservedNames = new Set(["selector", "mode", "value", "containerNames", "duration", "containerId", "constructor", "toString", "toJSON", "valueOf", "__proto__"]);
const fieldPattern = /^([a-z][A-Za-z0-9]*)(\?)?(?::(.+))?$/;
const int32Range = { minimum: -2147483648, maximum: 2147483647 };
const uint32Range = { minimum: 0, maximum: 4294967295 };

/** `fillPath` → `fill_path`, the proto spelling protobuf-es turns back into `fillPath`. */
export function protoFieldName(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * Parses the generator's `--field` values (`rpcs`: the daemon RPCs whose requests carry them, for the descriptions): `name[?][:type]`, the name lower camel case (`fillPath`),
 * `?` for an optional field, the type one of string (the default), string[], bool, int32, uint32.
 *
 * @example
 * parseKindFields(["size:string", "path", "force?:bool"], "DiskFillChaos", ["ExecDiskFillChaos"]).map((f) => f.protoLine);
 * // ["string size = 2;", "string path = 3;", "bool force = 4;"]
 */
export function parseKindFields(specs: readonly string[], kind: string, rpcs: readonly string[]): KindField[] {
  const seen = new Set<string>();
  return specs.map((spec, index) => {
    const match = fieldPattern.exec(spec.trim());
    if (!match) {
      throw new KindFieldError(
        `--field ${JSON.stringify(spec)}: expected name[?][:type], the name lower camel case letters and digits (for example size:string, fillPath, force?:bool)`,
      );
    }
    const [, name, question, typeText = "string"] = match as unknown as [string, string, string | undefined, string | undefined];
    if (!(typeText in fieldTypes)) {
      throw new KindFieldError(`--field ${JSON.stringify(spec)}: unknown type ${JSON.stringify(typeText)}; one of ${Object.keys(fieldTypes).join(", ")}`);
    }
    if (reservedNames.has(name)) {
      throw new KindFieldError(`--field ${JSON.stringify(spec)}: ${name} is already a field of every kind's spec or request`);
    }
    if (seen.has(name)) throw new KindFieldError(`--field ${JSON.stringify(spec)}: ${name} is declared twice`);
    seen.add(name);
    const type = typeText as FieldType;
    const info = fieldTypes[type];
    const optional = question === "?";
    const description = `${name}: ${kind}'s own field${rpcs.length > 0 ? `, sent to the daemon in ${rpcs.join(" and ")}` : ""}.`;
    const options = { description, ...(type === "int32" ? { ...int32Range, format: "int32" } : type === "uint32" ? uint32Range : {}) };
    const code = `{ ${Object.entries(options).map(([key, value]) => `${key}: ${JSON.stringify(value)}`).join(", ")} }`;
    // Type.String → Type.String({ … }); Type.Array(Type.String()) → Type.Array(Type.String(), { … })
    const schema = info.schema.endsWith(")") ? `${info.schema.slice(0, -1)}, ${code})` : `${info.schema}(${code})`;
    const number = index + 2;
    const protoName = protoFieldName(name);
    const wrong = type === "bool" || type === "int32" || type === "uint32" ? '"text"' : "7";
    const wrongError =
      type === "bool" ? "must be a boolean" : type === "int32" || type === "uint32" ? "must be an integer" : type === "string[]" ? "must be an array" : "must be a string";
    return {
      name,
      protoName,
      type,
      optional,
      number,
      schema: optional ? `Type.Optional(${schema})` : schema,
      protoLine: `${info.proto} ${protoName} = ${number};`,
      example: info.example(index, name),
      wrong,
      wrongError,
    };
  });
}
