import { KindFieldError, parseKindFields, protoFieldName } from "./fields.js";

const parse = (specs: string[]) => parseKindFields(specs, "DiskFillChaos", ["ExecDiskFillChaos", "RecoverDiskFillChaos"]);

describe("parseKindFields", () => {
  it("reads name, optional mark and type, string by default, numbering the fields after container_id", () => {
    expect(parse(["size:string", "fillPath", "keep?:bool", "files:string[]", "count:int32", "blocks?:uint32"]).map((f) => [f.name, f.type, f.optional, f.protoLine])).toEqual([
      ["size", "string", false, "string size = 2;"],
      ["fillPath", "string", false, "string fill_path = 3;"],
      ["keep", "bool", true, "bool keep = 4;"],
      ["files", "string[]", false, "repeated string files = 5;"],
      ["count", "int32", false, "int32 count = 6;"],
      ["blocks", "uint32", true, "uint32 blocks = 7;"],
    ]);
  });

  it("writes each field's TypeBox schema, with a description and the proto type's range", () => {
    const [size, keep, files, count, blocks] = parse(["size", "keep?:bool", "files:string[]", "count:int32", "blocks:uint32"]);
    const description = "DiskFillChaos's own field, sent to the daemon in ExecDiskFillChaos and RecoverDiskFillChaos.";
    expect(size!.schema).toBe(`Type.String({ description: "size: ${description}" })`);
    expect(keep!.schema).toBe(`Type.Optional(Type.Boolean({ description: "keep: ${description}" }))`);
    expect(files!.schema).toBe(`Type.Array(Type.String(), { description: "files: ${description}" })`);
    expect(count!.schema).toBe(`Type.Integer({ description: "count: ${description}", minimum: -2147483648, maximum: 2147483647, format: "int32" })`);
    expect(blocks!.schema).toBe(`Type.Integer({ description: "blocks: ${description}", minimum: 0, maximum: 4294967295 })`);
  });

  it("gives examples and wrong values with the validator's error for each type", () => {
    expect(parse(["size", "keep:bool", "files:string[]", "count:int32"]).map((f) => [f.example, f.wrong, f.wrongError])).toEqual([
      ['"size-value"', "7", "must be a string"],
      ["true", '"text"', "must be a boolean"],
      ['["files-value"]', "7", "must be an array"],
      ["4", '"text"', "must be an integer"],
    ]);
  });

  it.each([
    ["Size:string", /expected name\[\?\]\[:type\]/],
    ["fill_path", /expected name\[\?\]\[:type\]/],
    ["size:", /expected name\[\?\]\[:type\]/],
    ["size:number", /unknown type "number"; one of string, string\[\], bool, int32, uint32/],
    ["containerId", /containerId is already a field of every kind's spec or request/],
    ["duration:string", /duration is already a field/],
    ["mode", /mode is already a field/],
    ["constructor", /constructor is already a field/],
  ])("refuses %j", (spec, message) => {
    expect(() => parse([spec])).toThrow(KindFieldError);
    expect(() => parse([spec])).toThrow(message);
  });

  it("refuses a field declared twice", () => {
    expect(() => parse(["size", "size:int32"])).toThrow('--field "size:int32": size is declared twice');
  });
});

describe("protoFieldName", () => {
  it("spells a lower camel name the way protobuf-es turns back into it", () => {
    expect(["size", "fillPath", "sizeMB", "path2Name"].map(protoFieldName)).toEqual(["size", "fill_path", "size_m_b", "path2_name"]);
  });
});
