import { readdirSync, readFileSync } from "node:fs";
import { validateAgainstSchema } from "@faultline/api";
import { parse } from "yaml";
import { base64Pattern, httpChaosCrd, httpChaosSpecRules, httpPatchBodyJsonRule, httpPatchBodyValueMaxLength, jsonOutlineRegexSource, type HTTPChaos } from "./http-chaos-crd.js";

const [version] = httpChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;
const specSchema = schema.properties!["spec"]!;

const manifest: HTTPChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "HTTPChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["nginx"] }, mode: "all", duration: "1h", target: "Response", port: 80, abort: true },
};

function withSpec(spec: object): object {
  return { ...manifest, spec: { ...manifest.spec, ...spec } };
}

const examples = readdirSync(new URL("./examples/", import.meta.url)).filter((f) => f.endsWith(".yaml")).sort();
const example = (file: string): HTTPChaos => parse(readFileSync(new URL(`./examples/${file}`, import.meta.url), "utf8"));

describe("the HTTPChaos CRD", () => {
  it("names the kind as Chaos Mesh does", () => {
    expect(httpChaosCrd.metadata.name).toBe("httpchaos.chaos-mesh.org");
    expect(httpChaosCrd.spec).toMatchObject({
      group: "chaos-mesh.org",
      scope: "Namespaced",
      names: { kind: "HTTPChaos", listKind: "HTTPChaosList", plural: "httpchaos", singular: "httpchaos" },
    });
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it("keeps Chaos Mesh's field names, snake_case ones included", () => {
    expect(Object.keys(specSchema.properties!).sort()).toEqual(
      ["abort", "code", "delay", "duration", "method", "mode", "patch", "path", "port", "remoteCluster", "replace", "request_headers", "response_headers", "selector", "target", "tls", "value"].sort(),
    );
    expect(Object.keys(specSchema.properties!["replace"]!.properties!).sort()).toEqual(["body", "code", "headers", "method", "path", "queries"]);
    expect(Object.keys(specSchema.properties!["patch"]!.properties!).sort()).toEqual(["body", "headers", "queries"]);
    expect(Object.keys(specSchema.properties!["tls"]!.properties!).sort()).toEqual(["caName", "certName", "keyName", "secretName", "secretNamespace"]);
  });

  it("accepts Chaos Mesh's nginx/http-patch-response.yaml shape unchanged", () => {
    const patch = example("http-patch-response.yaml");
    expect(patch.spec).toEqual({
      mode: "all",
      selector: { labelSelectors: { app: "nginx" } },
      target: "Response",
      port: 80,
      path: "/api",
      patch: { headers: [["Set-Cookie", "foo=bar"]], body: { type: "JSON", value: '{"foo": "bar"}' } },
      duration: "5m",
    });
    expect(validateAgainstSchema(patch, schema)).toEqual([]);
  });

  it.each(examples)("accepts examples/%s unchanged", (file) => {
    expect(validateAgainstSchema(example(file), schema)).toEqual([]);
  });

  it("has abort, delay, replace and patch examples for requests and responses", () => {
    const shapes = examples.map((file) => {
      const spec = example(file).spec;
      return `${spec.target} ${["abort", "delay", "replace", "patch"].filter((a) => a in spec).join("+")}`;
    });
    expect(shapes.sort()).toEqual(["Request abort", "Request replace", "Response delay", "Response patch", "Response replace"]);
  });

  it("requires a selector, a mode, a target and a port, and knows no other fields", () => {
    expect(validateAgainstSchema({ ...manifest, spec: { abort: true } }, schema)).toEqual([".spec.selector: required", ".spec.mode: required", ".spec.target: required", ".spec.port: required"]);
    expect(validateAgainstSchema(withSpec({ requestHeaders: {} }), schema)).toEqual([".spec.requestHeaders: unknown field"]);
    expect(validateAgainstSchema(withSpec({ replace: { status: 500 } }), schema)).toEqual([".spec.replace.status: unknown field"]);
  });

  it("refuses a target other than Request and Response, a port outside 1–65535 and an unknown method, naming the field", () => {
    expect(validateAgainstSchema(withSpec({ target: "response" }), schema)).toEqual([".spec.target: must be one of Request, Response"]);
    expect(validateAgainstSchema(withSpec({ port: 0 }), schema)).toEqual([".spec.port: must be >= 1"]);
    expect(validateAgainstSchema(withSpec({ port: 65536 }), schema)).toEqual([".spec.port: must be <= 65535"]);
    expect(validateAgainstSchema(withSpec({ port: "80" }), schema)).toEqual([".spec.port: must be an integer"]);
    expect(validateAgainstSchema(withSpec({ method: "get" }), schema)).toEqual([expect.stringMatching(/^\.spec\.method: must be one of GET, HEAD, POST/)]);
    expect(validateAgainstSchema(withSpec({ replace: { method: "FETCH" } }), schema)).toEqual([expect.stringMatching(/^\.spec\.replace\.method: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ code: 99 }), schema)).toEqual([".spec.code: must be >= 100"]);
    expect(validateAgainstSchema(withSpec({ replace: { code: 600 } }), schema)).toEqual([".spec.replace.code: must be <= 599"]);
  });

  it("takes delay as a Go duration", () => {
    for (const delay of ["10ms", "1.5s", "1m30s", "0", "250us"]) expect([delay, validateAgainstSchema(withSpec({ delay }), schema)]).toEqual([delay, []]);
    for (const delay of ["10", "1 s", "-1s", "1d", ""]) expect(validateAgainstSchema(withSpec({ delay }), schema)).toEqual([expect.stringMatching(/^\.spec\.delay: must match/)]);
  });

  it("takes replace.body as padded standard base64 only", () => {
    for (const body of ["", "eyJmb28iOiAiYmFyIn0=", "c2VydmljZSB1bmF2YWlsYWJsZQ==", "YWJj", "+/+/"]) expect([body, validateAgainstSchema(withSpec({ replace: { body } }), schema)]).toEqual([body, []]);
    for (const body of ["not base64!", "YWJ", "YQ", "YWJj=", "-_-_", "YW Jj"]) expect([body, validateAgainstSchema(withSpec({ replace: { body } }), schema)]).toEqual([body, [expect.stringMatching(/^\.spec\.replace\.body: must match/)]]);
    expect(new RegExp(base64Pattern).test(Buffer.from("any bytes \u00ff\u0000").toString("base64"))).toBe(true);
  });

  it("takes patch headers and queries as [name, value] pairs, and a patch body of type JSON", () => {
    expect(validateAgainstSchema(withSpec({ target: "Request", patch: { queries: [["a", "1"]], headers: [["X-A", "b"]] } }), schema)).toEqual([]);
    expect(specSchema.properties!["patch"]!.properties!["headers"]).toMatchObject({ type: "array", items: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 2 } });
    expect(validateAgainstSchema(withSpec({ patch: { headers: ["X-A", "b"] } }), schema)).toEqual([".spec.patch.headers[0]: must be an array", ".spec.patch.headers[1]: must be an array"]);
    expect(validateAgainstSchema(withSpec({ patch: { body: { type: "XML", value: "<a/>" } } }), schema)).toEqual([".spec.patch.body.type: must be one of JSON"]);
    expect(validateAgainstSchema(withSpec({ patch: { body: { type: "JSON" } } }), schema)).toEqual([".spec.patch.body.value: required"]);
    expect(specSchema.properties!["patch"]!.properties!["body"]!.properties!["value"]).toMatchObject({ maxLength: httpPatchBodyValueMaxLength, "x-kubernetes-validations": [httpPatchBodyJsonRule] });
  });

  it("requires tls.secretName; the other tls fields are optional", () => {
    expect(validateAgainstSchema(withSpec({ tls: { secretName: "server-tls" } }), schema)).toEqual([]);
    expect(validateAgainstSchema(withSpec({ tls: { secretName: "s", secretNamespace: "n", certName: "c", keyName: "k", caName: "ca" } }), schema)).toEqual([]);
    expect(validateAgainstSchema(withSpec({ tls: { certName: "c" } }), schema)).toEqual([".spec.tls.secretName: required"]);
  });

  it("checks across fields with CEL rules that name the field", () => {
    expect(specSchema["x-kubernetes-validations"]).toEqual(httpChaosSpecRules);
    const byField = Object.fromEntries(httpChaosSpecRules.map((r) => [r.fieldPath, r.rule]));
    expect(byField).toEqual({
      ".abort": "(has(self.abort) && self.abort) || has(self.delay) || has(self.replace) || has(self.patch)",
      ".code": "!has(self.code) || self.target == 'Response'",
      ".response_headers": "!has(self.response_headers) || self.target == 'Response'",
      ".replace.code": "!has(self.replace) || !has(self.replace.code) || self.target == 'Response'",
      ".replace.path": "!has(self.replace) || !has(self.replace.path) || self.target == 'Request'",
      ".replace.method": "!has(self.replace) || !has(self.replace.method) || self.target == 'Request'",
      ".replace.queries": "!has(self.replace) || !has(self.replace.queries) || self.target == 'Request'",
      ".patch.queries": "!has(self.patch) || !has(self.patch.queries) || self.target == 'Request'",
      ".remoteCluster": "!has(self.remoteCluster) || self.remoteCluster == ''",
    });
    // every fieldPath names a field the schema has
    for (const rule of httpChaosSpecRules) {
      const [first, second] = rule.fieldPath.slice(1).split(".");
      expect([rule.fieldPath, second === undefined ? specSchema.properties![first!] : specSchema.properties![first!]!.properties![second]]).toEqual([rule.fieldPath, expect.anything()]);
    }
  });

  it("the CEL rule's JSON outline lets JSON values through and stops what plainly is not JSON", () => {
    const literal = /^self\.matches\('((?:[^'\\]|\\.)*)'\)$/.exec(httpPatchBodyJsonRule.rule)?.[1];
    expect(literal).toBeDefined();
    const regex = new RegExp(literal!.replace(/\\(.)/g, "$1"));
    expect(regex.source).toBe(new RegExp(jsonOutlineRegexSource).source);
    for (const ok of ['{"foo": "bar"}', ' {"a": {"b": [1, 2]}}\n', "[1,2]", '"text"', "12.5e3", "-1", "true", "null"]) expect([ok, regex.test(ok)]).toEqual([ok, true]);
    for (const bad of ["foo=bar", '{"a": 1', "", "  ", "yes", "{} trailing", "'single'"]) expect([bad, regex.test(bad)]).toEqual([bad, false]);
  });

  it("forbids remoteCluster but an empty one", () => {
    expect(specSchema["x-kubernetes-validations"]).toContainEqual(expect.objectContaining({ rule: "!has(self.remoteCluster) || self.remoteCluster == ''", fieldPath: ".remoteCluster" }));
  });
});
