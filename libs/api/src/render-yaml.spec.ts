import { renderYaml } from "./render-yaml.js";

describe("renderYaml", () => {
  it("writes nested maps and sequences in block style, sequences at their key's indent", () => {
    expect(renderYaml({ a: [1, "x", { b: true, c: [null] }], d: { e: {} , f: [] } })).toBe(
      ["a:", "- 1", "- x", "- b: true", "  c:", "  - null", "d:", "  e: {}", "  f: []", ""].join("\n"),
    );
  });

  it("writes sequences of sequences", () => {
    expect(renderYaml([[1, 2], []])).toBe("- - 1\n  - 2\n- []\n");
  });

  it("keeps key order and leaves out undefined values", () => {
    expect(renderYaml({ z: 1, a: undefined, m: 2 })).toBe("z: 1\nm: 2\n");
  });

  it.each([
    ["object", "object"],
    [".spec.duration", ".spec.duration"],
    ["Not Injected", "Not Injected"],
    ["runs `ps aux` in it", "runs `ps aux` in it"],
  ])("writes %j plain", (input, output) => {
    expect(renderYaml({ k: input })).toBe(`k: ${output}\n`);
  });

  it.each([
    "",
    "true",
    "No",
    "null",
    "~",
    "1",
    "1h",
    "0x1F",
    ".inf",
    "^[0-9]*$",
    "!Failed",
    "- item",
    "a: b",
    "a #b",
    "trailing ",
    "it's",
    'say "hi"',
    "line\nbreak",
    "*anchor",
    "µs",
  ])("quotes %j so that YAML reads it back as the same string", (input) => {
    const out = renderYaml({ k: input });
    expect(out).toBe(`k: ${JSON.stringify(input)}\n`);
  });

  it("quotes keys that are not plain", () => {
    expect(renderYaml({ "x-kubernetes-map-type": "atomic", "a b:": 1, "1": 2 })).toBe(
      '"1": 2\nx-kubernetes-map-type: atomic\n"a b:": 1\n',
    );
  });

  it("writes empty collections and scalars at the top level", () => {
    expect(renderYaml({})).toBe("{}\n");
    expect(renderYaml([])).toBe("[]\n");
    expect(renderYaml("x")).toBe("x\n");
  });

  it("refuses what JSON cannot hold", () => {
    expect(() => renderYaml(undefined)).toThrow();
    expect(() => renderYaml({ n: Number.NaN })).toThrow();
  });
});
