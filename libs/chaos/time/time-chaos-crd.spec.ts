import { validateAgainstSchema } from "@faultline/api";
import { timeChaosCrd, type TimeChaos } from "./time-chaos-crd.js";

const [version] = timeChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;

const manifest: TimeChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "TimeChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h", timeOffset: "timeOffset-value", clockIds: ["clockIds-value"] },
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
});
