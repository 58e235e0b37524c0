// A deterministic YAML writer for JSON data (objects, arrays, strings, numbers, booleans, null),
// in the block style Kubernetes manifests use. Keys keep their insertion order; a string is written
// plain only when YAML cannot read it as anything else, and JSON-quoted (valid YAML) otherwise.

const plainString = /^(?:[A-Za-z]|\.[A-Za-z])[A-Za-z0-9 ._/()`,;-]*$/;
const readAsOtherType = /^(?:y|n|yes|no|on|off|true|false|null|\.inf|\.nan)$/i;

function scalar(value: string | number | boolean | null): string {
  if (value === null) return "null";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  return plainString.test(value) && !value.endsWith(" ") && !readAsOtherType.test(value) ? value : JSON.stringify(value);
}

function isScalar(value: unknown): value is string | number | boolean | null {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

function entries(value: object): [string, unknown][] {
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

/** The lines of a non-empty collection at the given indent. */
function block(value: object, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    return value.flatMap((item: unknown) => {
      if (isScalar(item) || isEmpty(item)) return [`${pad}- ${inline(item)}`];
      const [first = "", ...rest] = block(item as object, indent + 2);
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest];
    });
  }
  return entries(value).flatMap(([key, item]) => {
    if (isScalar(item) || isEmpty(item)) return [`${pad}${scalar(key)}: ${inline(item)}`];
    // sequences sit at their key's indent, as kubectl and controller-gen write them
    return [`${pad}${scalar(key)}:`, ...block(item as object, Array.isArray(item) ? indent : indent + 2)];
  });
}

function isEmpty(value: unknown): boolean {
  return typeof value === "object" && value !== null && (Array.isArray(value) ? value.length === 0 : entries(value).length === 0);
}

function inline(value: unknown): string {
  if (isScalar(value)) return scalar(value);
  if (Array.isArray(value)) return "[]";
  return "{}";
}

/**
 * Writes JSON data as a YAML document body (no `---`), ending with a newline.
 *
 * ```ts
 * renderYaml({ a: [1, "x"], b: { c: true } }); // "a:\n- 1\n- x\nb:\n  c: true\n"
 * ```
 */
export function renderYaml(value: unknown): string {
  if (value === undefined) throw new Error("cannot write undefined as YAML");
  if (isScalar(value) || isEmpty(value)) return `${inline(value)}\n`;
  if (typeof value !== "object") throw new Error(`cannot write a ${typeof value} as YAML`);
  return `${block(value, 0).join("\n")}\n`;
}
