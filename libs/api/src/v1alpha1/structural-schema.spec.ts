import { Type } from "@sinclair/typebox";
import { mapOf, NotStructuralSchemaError, stringEnum, stringList, stringMap, toOpenApiSchema } from "./structural-schema.js";

describe("toOpenApiSchema", () => {
  it("writes a TypeBox object as a structural schema, keys in a stable order, no symbols", () => {
    const schema = toOpenApiSchema(
      Type.Object(
        { a: Type.String({ pattern: "^x$", description: "A." }), b: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))) },
        { description: "D." },
      ),
    );
    expect(JSON.stringify(schema)).toBe(
      '{"type":"object","description":"D.","required":["a"],"properties":{"a":{"type":"string","description":"A.","pattern":"^x$"},"b":{"type":"array","items":{"type":"integer","minimum":0}}}}',
    );
    expect(Object.getOwnPropertySymbols(schema)).toEqual([]);
  });

  it("writes maps with additionalProperties and unions of strings as enums", () => {
    expect(toOpenApiSchema(Type.Object({ m: stringMap("M."), l: stringList("L."), p: mapOf(Type.Array(Type.String()), "P."), e: stringEnum(["x", "y"] as const) }))).toEqual({
      type: "object",
      required: ["m", "l", "p", "e"],
      properties: {
        m: { type: "object", description: "M.", additionalProperties: { type: "string" } },
        l: { type: "array", description: "L.", items: { type: "string" } },
        p: { type: "object", description: "P.", additionalProperties: { type: "array", items: { type: "string" } } },
        e: { type: "string", enum: ["x", "y"] },
      },
    });
  });

  it("refuses what a CRD cannot hold, naming the field", () => {
    expect(() => toOpenApiSchema(Type.Object({ action: Type.Union([Type.Literal("a"), Type.Literal("b")]) }))).toThrow(
      new NotStructuralSchemaError("spec.action: anyOf cannot appear in a CRD's structural schema"),
    );
    expect(() => toOpenApiSchema(Type.Object({ labels: Type.Record(Type.String(), Type.String()) }))).toThrow(/spec\.labels: patternProperties/);
    expect(() => toOpenApiSchema(Type.Object({ any: Type.Unknown() }))).toThrow(/spec\.any: every node .* needs a type/);
  });

  it("keeps CEL rules", () => {
    const rule = { rule: "self.mode != 'fixed' || has(self.value)", message: "value is required when mode is fixed" };
    expect(toOpenApiSchema(Type.Object({}, { "x-kubernetes-validations": [rule] }))["x-kubernetes-validations"]).toEqual([rule]);
  });
});
