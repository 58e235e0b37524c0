import { readFileSync } from "node:fs";
import { validateAgainstSchema } from "@faultline/api";
import { parse } from "yaml";
import { timeChaosCrd, timeOffsetRules, type TimeChaos } from "./time-chaos-crd.js";
import { signedGoDurationRegexSource, timeChaosClockIds, timeOffsetNanos } from "./time-offset.js";

const [version] = timeChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;

const manifest: TimeChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "TimeChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h", timeOffset: "-10m100ns", clockIds: ["CLOCK_REALTIME"] },
};

function withSpec(spec: object): object {
  return { ...manifest, spec: { ...manifest.spec, ...spec } };
}

describe("the TimeChaos CRD", () => {
  it("names the kind as Chaos Mesh does", () => {
    expect(timeChaosCrd.metadata.name).toBe("timechaos.chaos-mesh.org");
    expect(timeChaosCrd.spec).toMatchObject({
      group: "chaos-mesh.org",
      scope: "Namespaced",
      names: { kind: "TimeChaos", listKind: "TimeChaosList", plural: "timechaos", singular: "timechaos" },
    });
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it("accepts a manifest with a selector, a mode and a duration, and the kind's own fields", () => {
    expect(validateAgainstSchema(manifest, schema)).toEqual([]);
  });

  it("accepts every mode with a value, and container names", () => {
    for (const mode of ["one", "all", "fixed", "fixed-percent", "random-max-percent"]) {
      expect(validateAgainstSchema(withSpec({ mode, value: "1", containerNames: ["main"] }), schema)).toEqual([]);
    }
  });

  it("rejects an unknown mode, a bad value and a bad duration", () => {
    expect(validateAgainstSchema(withSpec({ mode: "some" }), schema)).toEqual([expect.stringMatching(/^\.spec\.mode: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ mode: "fixed", value: "50%" }), schema)).toEqual([expect.stringMatching(/^\.spec\.value: must match/)]);
    expect(validateAgainstSchema(withSpec({ duration: "1d" }), schema)).toEqual([expect.stringMatching(/^\.spec\.duration: must match/)]);
  });

  it("requires a selector, a mode and timeOffset, and knows no other selector fields", () => {
    expect(validateAgainstSchema({ ...manifest, spec: { duration: "1h" } }, schema)).toEqual([".spec.selector: required", ".spec.mode: required", ".spec.timeOffset: required"]);
    expect(validateAgainstSchema(withSpec({ selector: { namespace: ["a"] } }), schema)).toEqual([".spec.selector.namespace: unknown field"]);
  });

  it("checks the type of each of the kind's own fields, and leaves the optional ones out", () => {
    expect(validateAgainstSchema(withSpec({ timeOffset: 7 }), schema)).toEqual([".spec.timeOffset: must be a string"]);
    expect(validateAgainstSchema(withSpec({ clockIds: 7 }), schema)).toEqual([".spec.clockIds: must be an array"]);
    expect(validateAgainstSchema(withSpec({ clockIds: undefined }), schema)).toEqual([]);
  });

  it("accepts Chaos Mesh's time-chaos-example.yaml shape unchanged", () => {
    const example = parse(readFileSync(new URL("./examples/time-chaos-example.yaml", import.meta.url), "utf8"));
    expect(example.spec).toMatchObject({ mode: "one", timeOffset: "-10m100ns", clockIds: ["CLOCK_REALTIME"], containerNames: expect.any(Array), duration: "10s" });
    expect(validateAgainstSchema(example, schema)).toEqual([]);
  });

  it("knows the ten clock ids Chaos Mesh knows, refuses others, and defaults to CLOCK_REALTIME", () => {
    const clockIds = schema.properties!["spec"]!.properties!["clockIds"]!;
    expect(clockIds.items?.enum).toEqual([...timeChaosClockIds]);
    expect(clockIds.default).toEqual(["CLOCK_REALTIME"]);
    expect(validateAgainstSchema(withSpec({ clockIds: [...timeChaosClockIds] }), schema)).toEqual([]);
    expect(validateAgainstSchema(withSpec({ clockIds: ["CLOCK_REALTIME", "CLOCK_TAI"] }), schema)).toEqual([expect.stringMatching(/^\.spec\.clockIds\[1\]: must be one of/)]);
  });

  it("checks timeOffset by CEL: the syntax rule is the Go-duration grammar the manager parses with, the bound rule sums its parts", () => {
    const timeOffset = schema.properties!["spec"]!.properties!["timeOffset"]!;
    expect(timeOffset["x-kubernetes-validations"]).toEqual(timeOffsetRules);
    expect(timeOffset.maxLength).toBe(64);
    const literal = /self\.matches\('((?:[^'\\]|\\.)*)'\)/.exec(timeOffsetRules[0]!.rule)?.[1];
    expect(literal?.replace(/\\(.)/g, "$1")).toBe(signedGoDurationRegexSource);
    // the JavaScript reading of the same grammar agrees on what it admits
    const regex = new RegExp(signedGoDurationRegexSource, "u");
    for (const ok of ["-10m", "1h30m", "100ms", "-1.5h", "0", "+3s", "1µs"]) expect([ok, regex.test(ok)]).toEqual([ok, true]);
    for (const bad of ["10", "1d", "1h 30m", "abc", "", "--1s"]) expect([bad, regex.test(bad)]).toEqual([bad, false]);
    expect(timeOffsetRules[1]!.rule).toContain(".sum() <= 10000000000.0");
    expect(timeOffsetNanos("-2777777h46m40s")).toBe(-(10n ** 19n));
  });

  it("refuses remoteCluster, as Faultline serves its own cluster", () => {
    const rules = (schema.properties!["spec"] as { "x-kubernetes-validations"?: { fieldPath?: string }[] })["x-kubernetes-validations"];
    expect(rules).toEqual([expect.objectContaining({ fieldPath: ".remoteCluster", reason: "FieldValueForbidden" })]);
  });
});
