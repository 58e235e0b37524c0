import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse, parseAllDocuments } from "yaml";
import validator from "@rjsf/validator-ajv8";
import { findKindSchema, FormSchemaError, fromFormData, specFormSchema, toFormSchema, type FormSchema, type KubeSchema, type OpenApiDocument } from "./form-schema.js";

const crdDir = fileURLToPath(new URL("../../../../../libs/chaos/crds/", import.meta.url));
const examplesDir = fileURLToPath(new URL("../../../../../libs/chaos/examples/", import.meta.url));

interface Crd {
  kind: string;
  spec: { group: string; names: { kind: string }; scope: string; versions: { name: string; schema: { openAPIV3Schema: KubeSchema } }[] };
}

// every built-in CRD, as the API server publishes it in OpenAPI v3 discovery: one schema per kind,
// tagged with its group-version-kind, metadata a reference to ObjectMeta
const crds: Crd[] = readdirSync(crdDir)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) => parseAllDocuments(readFileSync(crdDir + f, "utf8")).map((d) => d.toJS() as Crd))
  .filter((c) => c?.kind === "CustomResourceDefinition");
const objectMetaRef = "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const discovery: OpenApiDocument = {
  components: {
    schemas: {
      "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": { type: "object", properties: { name: { type: "string" }, namespace: { type: "string" } } },
      ...Object.fromEntries(
        crds.map((crd) => {
          const version = crd.spec.versions[0]!;
          const schema = version.schema.openAPIV3Schema;
          return [
            `io.chaos-mesh.v1alpha1.${crd.spec.names.kind}`,
            {
              ...schema,
              properties: { ...schema.properties, metadata: { description: "Standard object's metadata.", allOf: [{ $ref: objectMetaRef }] } },
              "x-kubernetes-group-version-kind": [{ group: crd.spec.group, version: version.name, kind: crd.spec.names.kind }],
            },
          ];
        }),
      ),
    },
  },
};
const chaosKinds = crds.filter((c) => c.spec.scope === "Namespaced" && c.spec.names.kind.endsWith("Chaos")).map((c) => c.spec.names.kind);

/** Every key anywhere in a value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

/** The property paths of a schema (objects' properties, arrays' items as []), to compare shapes. */
function propertyPaths(schema: { properties?: unknown; items?: unknown }, prefix = ""): string[] {
  const props = (schema.properties ?? {}) as { [k: string]: { properties?: unknown; items?: unknown } };
  const own = Object.entries(props).flatMap(([k, v]) => [`${prefix}${k}`, ...propertyPaths(v, `${prefix}${k}.`)]);
  const items = schema.items as { properties?: unknown; items?: unknown } | undefined;
  return items ? [...own, ...propertyPaths(items, `${prefix}[].`)] : own;
}


describe("specFormSchema over every built-in chaos kind's CRD", () => {
  it("finds the built-in kinds (the test reads them all)", () => {
    expect(chaosKinds).toEqual(expect.arrayContaining(["PodChaos", "NetworkChaos", "StressChaos", "DNSChaos", "HTTPChaos", "TimeChaos", "IOChaos", "HelloWorldChaos"]));
  });

  it.each(chaosKinds)("%s: every spec field kept, required kept, only standard keywords left, and ajv (the form's validator) compiles it", (kind) => {
    const crd = crds.find((c) => c.spec.names.kind === kind)!;
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties!["spec"]!;
    const form = specFormSchema(discovery, "chaos-mesh.org", "v1alpha1", kind);
    expect(propertyPaths(form as { properties?: unknown })).toEqual(propertyPaths(spec));
    expect(form["required"] ?? []).toEqual(spec.required ?? []);
    const keys = keysOf(form);
    expect(keys.filter((k) => k.startsWith("x-kubernetes") || ["$ref", "allOf", "oneOf", "anyOf", "not", "nullable"].includes(k))).toEqual([]);
    // the validator RJSF uses compiles it (patterns and formats included) and reads {} (errors or not) without throwing
    expect(() => validator.validateFormData({}, form as never)).not.toThrow();
  });

  it("an example manifest's spec is valid by its kind's form schema, and a wrong enum value is an error naming the field", () => {
    const checked: string[] = [];
    for (const file of readdirSync(examplesDir).filter((f) => f.startsWith("schedule-"))) {
      const schedule = parse(readFileSync(examplesDir + file, "utf8")) as { spec: { type: string; [k: string]: unknown } };
      const kind = schedule.spec.type;
      if (!chaosKinds.includes(kind)) continue;
      const form = specFormSchema(discovery, "chaos-mesh.org", "v1alpha1", kind);
      const spec = Object.entries(schedule.spec).find(([field]) => field.toLowerCase() === kind.toLowerCase())![1]; // ioChaos, podChaos…
      expect({ file, errors: validator.validateFormData(spec, form as never).errors }).toEqual({ file, errors: [] });
      checked.push(kind);
    }
    expect(checked).toEqual(expect.arrayContaining(["PodChaos", "NetworkChaos", "TimeChaos", "IOChaos"]));
    const pod = specFormSchema(discovery, "chaos-mesh.org", "v1alpha1", "PodChaos");
    const errors = validator.validateFormData({ action: "pod-explode", mode: "one", selector: {} }, pod as never).errors;
    expect(errors.map((e) => e.property)).toContain(".action");
  });

  it("names the kind when discovery publishes no schema for it", () => {
    expect(() => findKindSchema(discovery, "chaos-mesh.org", "v1alpha1", "DiskFillChaos")).toThrow(new FormSchemaError("the API server publishes no schema for DiskFillChaos.chaos-mesh.org/v1alpha1 (its OpenAPI v3 discovery lists none tagged with that kind)"));
  });
});

describe("toFormSchema: the Kubernetes dialect", () => {
  const doc: OpenApiDocument = {
    components: {
      schemas: {
        Quantity: { type: "string", description: "a quantity", pattern: "^[0-9]+$" },
        Tree: { type: "object", properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/components/schemas/Tree" } } } },
      },
    },
  };

  it("resolves $ref and single-allOf references, the referencing description winning", () => {
    expect(toFormSchema({ type: "object", properties: { a: { $ref: "#/components/schemas/Quantity" }, b: { allOf: [{ $ref: "#/components/schemas/Quantity" }], description: "mine" } } }, doc)).toEqual({
      type: "object",
      properties: { a: { type: "string", description: "a quantity", pattern: "^[0-9]+$" }, b: { type: "string", description: "mine", pattern: "^[0-9]+$" } },
    });
  });

  it("stops a reference cycle with an open object instead of recursing forever", () => {
    const form = toFormSchema({ $ref: "#/components/schemas/Tree" }, doc) as { properties: { children: { items: FormSchema } } };
    expect(form.properties.children.items).toEqual({ type: "object", additionalProperties: true });
  });

  it("names a reference it cannot resolve", () => {
    expect(() => toFormSchema({ $ref: "#/components/schemas/Missing" }, doc)).toThrow("the schema reference #/components/schemas/Missing names no schema of the document");
    expect(() => toFormSchema({ $ref: "other.json#/x" }, doc)).toThrow("cannot read the schema reference other.json#/x");
  });

  it("int-or-string becomes a text field, enums, defaults, maps and arrays are kept, CEL and Kubernetes formats dropped", () => {
    expect(
      toFormSchema({
        type: "object",
        required: ["mode"],
        "x-kubernetes-validations": [{ rule: "self.mode != ''" }],
        properties: {
          value: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }], description: "how many" },
          mode: { type: "string", enum: ["one", "all"], default: "one" },
          labels: { type: "object", additionalProperties: { type: "string" } },
          free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          ports: { type: "array", items: { type: "integer", format: "int32", minimum: 1 }, "x-kubernetes-list-type": "set" },
          at: { type: "string", format: "date-time", nullable: true },
        },
      }),
    ).toEqual({
      type: "object",
      required: ["mode"],
      properties: {
        value: { type: "string", description: 'how many A number or a string (e.g. 50 or "50%").' },
        mode: { type: "string", enum: ["one", "all"], default: "one" },
        labels: { type: "object", additionalProperties: { type: "string" } },
        free: { type: "object", additionalProperties: true },
        ports: { type: "array", items: { type: "integer", minimum: 1 } },
        at: { type: "string", format: "date-time" },
      },
    });
  });
});

describe("fromFormData", () => {
  const schema: KubeSchema = {
    type: "object",
    required: ["selector"],
    properties: {
      value: { "x-kubernetes-int-or-string": true },
      name: { type: "string" },
      selector: { type: "object", properties: { labelSelectors: { type: "object", additionalProperties: { type: "string" } } } },
      extra: { type: "object", properties: { a: { type: "string" } } },
      list: { type: "array", items: { type: "object", properties: { port: { "x-kubernetes-int-or-string": true } } } },
    },
  };

  it("turns whole numbers of int-or-string fields into numbers and keeps other text as typed", () => {
    expect(fromFormData({ value: "5", name: "5", selector: {}, list: [{ port: "8080" }, { port: "http" }] }, schema)).toEqual({ value: 5, name: "5", selector: {}, list: [{ port: 8080 }, { port: "http" }] });
    expect(fromFormData({ value: "50%", selector: {} }, schema)).toEqual({ value: "50%", selector: {} });
  });

  it("drops what the form leaves empty unless the field is required", () => {
    expect(fromFormData({ name: "", selector: {}, extra: { a: "" }, list: [] }, schema)).toEqual({ selector: {} });
  });
});
