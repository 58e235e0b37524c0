import { readFileSync } from "node:fs";
import { validateAgainstSchema } from "@faultline/api";
import { parse } from "yaml";
import { dnsChaosCrd, dnsPatternsMaxItems, dnsPatternsRule, type DNSChaos } from "./dns-chaos-crd.js";
import { dnsPatternMaxLength, dnsPatternProblem } from "./resolver/dns-patterns.js";

const [version] = dnsChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;
const specSchema = schema.properties!["spec"]!;

const manifest: DNSChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "DNSChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h", action: "error", patterns: ["api.example.test"] },
};

function withSpec(spec: object): object {
  return { ...manifest, spec: { ...manifest.spec, ...spec } };
}

/** The regular expression inside the CEL rule, its CEL string literal undone, as JavaScript reads it. */
function ruleRegex(): RegExp {
  const literal = /p\.matches\('((?:[^'\\]|\\.)*)'\)/.exec(dnsPatternsRule.rule)?.[1];
  if (literal === undefined) throw new Error(`no matches('…') in ${dnsPatternsRule.rule}`);
  return new RegExp(literal.replace(/\\(.)/g, "$1"), "u");
}

describe("the DNSChaos CRD", () => {
  it("names the kind as Chaos Mesh does", () => {
    expect(dnsChaosCrd.metadata.name).toBe("dnschaos.chaos-mesh.org");
    expect(dnsChaosCrd.spec).toMatchObject({
      group: "chaos-mesh.org",
      scope: "Namespaced",
      names: { kind: "DNSChaos", listKind: "DNSChaosList", plural: "dnschaos", singular: "dnschaos" },
    });
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it("accepts Chaos Mesh's dns-chaos-example.yaml unchanged", () => {
    const example = parse(readFileSync(new URL("./examples/dns-chaos-example.yaml", import.meta.url), "utf8"));
    expect(example.spec).toEqual({ action: "random", mode: "all", patterns: ["google.com", "chaos-mesh.*", "github.?om"], selector: { namespaces: ["busybox"] } });
    expect(validateAgainstSchema(example, schema)).toEqual([]);
  });

  it("accepts both actions, with and without patterns, every mode and container names", () => {
    for (const action of ["error", "random"]) {
      expect(validateAgainstSchema(withSpec({ action }), schema)).toEqual([]);
      expect(validateAgainstSchema(withSpec({ action, patterns: undefined }), schema)).toEqual([]);
      expect(validateAgainstSchema(withSpec({ action, patterns: [] }), schema)).toEqual([]);
    }
    for (const mode of ["one", "all", "fixed", "fixed-percent", "random-max-percent"]) {
      expect(validateAgainstSchema(withSpec({ mode, value: "1", containerNames: ["main"] }), schema)).toEqual([]);
    }
  });

  it("refuses an action other than error and random, naming the field", () => {
    expect(validateAgainstSchema(withSpec({ action: "delay" }), schema)).toEqual([".spec.action: must be one of error, random"]);
    expect(validateAgainstSchema(withSpec({ action: "Error" }), schema)).toEqual([".spec.action: must be one of error, random"]);
    expect(validateAgainstSchema(withSpec({ action: 7 }), schema)).toEqual([".spec.action: must be a string"]);
  });

  it("rejects an unknown mode, a bad value and a bad duration", () => {
    expect(validateAgainstSchema(withSpec({ mode: "some" }), schema)).toEqual([expect.stringMatching(/^\.spec\.mode: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ mode: "fixed", value: "50%" }), schema)).toEqual([expect.stringMatching(/^\.spec\.value: must match/)]);
    expect(validateAgainstSchema(withSpec({ duration: "1d" }), schema)).toEqual([expect.stringMatching(/^\.spec\.duration: must match/)]);
  });

  it("requires a selector, a mode and an action, and knows no other fields", () => {
    expect(validateAgainstSchema({ ...manifest, spec: { duration: "1h" } }, schema)).toEqual([".spec.selector: required", ".spec.mode: required", ".spec.action: required"]);
    expect(validateAgainstSchema(withSpec({ selector: { namespace: ["a"] } }), schema)).toEqual([".spec.selector.namespace: unknown field"]);
    expect(validateAgainstSchema(withSpec({ pattern: ["a"] }), schema)).toEqual([".spec.pattern: unknown field"]);
  });

  it("takes patterns as a bounded list of strings", () => {
    expect(validateAgainstSchema(withSpec({ patterns: "google.com" }), schema)).toEqual([".spec.patterns: must be an array"]);
    expect(validateAgainstSchema(withSpec({ patterns: [7] }), schema)).toEqual([".spec.patterns[0]: must be a string"]);
    // bounded so the CEL rule's cost (items × length) stays within the API server's budget
    expect(specSchema.properties!["patterns"]).toMatchObject({ maxItems: dnsPatternsMaxItems, items: { type: "string", maxLength: dnsPatternMaxLength } });
  });

  it("checks every pattern with a CEL rule whose message names the offending one", () => {
    const patterns = specSchema.properties!["patterns"]!;
    expect(patterns["x-kubernetes-validations"]).toEqual([dnsPatternsRule]);
    expect(dnsPatternsRule.rule).toMatch(/^self\.all\(p, p\.matches\('\^.*\$'\)\)$/); // anchored: CEL's matches finds a match anywhere otherwise
    // the message is built from the first item the same regular expression refuses
    expect(dnsPatternsRule.messageExpression).toMatch(/^'"' \+ self\.filter\(p, !p\.matches\('\^.*\$'\)\)\[0\] \+ '" is not a domain pattern/);
    expect(dnsPatternsRule.messageExpression).toContain(dnsPatternsRule.rule.slice("self.all(p, ".length, -1));
  });

  it.each([
    "google.com",
    "chaos-mesh.*",
    "github.?om",
    "*",
    "api.example.test",
    "API.Example.Test",
    "_srv._tcp.example.test",
    "a?c.*",
    "chaos-mesh.*x",
    "chaos*.org",
    "*.example.test",
    "exa mple.com",
    "example.com;",
    "",
    "a..b",
    ".example.test",
    "example.test.",
    "ünïcode.test",
    "a".repeat(64) + ".test",
  ])("the CEL rule's regular expression and the resolver agree on %j", (pattern) => {
    expect(ruleRegex().test(pattern)).toBe(dnsPatternProblem(pattern) === undefined);
  });

  it("accepts Chaos Mesh's documented patterns and refuses a '*' that is not last", () => {
    for (const ok of ["google.com", "chaos-mesh.*", "github.?om", "*"]) expect([ok, ruleRegex().test(ok)]).toEqual([ok, true]);
    for (const bad of ["chaos-mesh.*x", "*.example.test", "exa mple.com"]) expect([bad, ruleRegex().test(bad)]).toEqual([bad, false]);
  });

  it("forbids remoteCluster but an empty one", () => {
    expect(specSchema["x-kubernetes-validations"]).toContainEqual(expect.objectContaining({ rule: "!has(self.remoteCluster) || self.remoteCluster == ''", fieldPath: ".remoteCluster" }));
  });
});
