import { validateAgainstSchema } from "@faultline/api";
import { ioChaosCrd, type IOChaos } from "./io-chaos-crd.js";

const [version] = ioChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;

const manifest: IOChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "IOChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h", volumePath: "volumePath-value" },
};

function withSpec(spec: object): object {
  return { ...manifest, spec: { ...manifest.spec, ...spec } };
}

describe("the IOChaos CRD", () => {
  it("names the kind as Chaos Mesh does", () => {
    expect(ioChaosCrd.metadata.name).toBe("iochaos.chaos-mesh.org");
    expect(ioChaosCrd.spec).toMatchObject({
      group: "chaos-mesh.org",
      scope: "Namespaced",
      names: { kind: "IOChaos", listKind: "IOChaosList", plural: "iochaos", singular: "iochaos" },
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

  it("requires a selector, a mode and volumePath, and knows no other selector fields", () => {
    expect(validateAgainstSchema({ ...manifest, spec: { duration: "1h" } }, schema)).toEqual([".spec.selector: required", ".spec.mode: required", ".spec.volumePath: required"]);
    expect(validateAgainstSchema(withSpec({ selector: { namespace: ["a"] } }), schema)).toEqual([".spec.selector.namespace: unknown field"]);
  });

  it("checks the type of each of the kind's own fields", () => {
    expect(validateAgainstSchema(withSpec({ volumePath: 7 }), schema)).toEqual([".spec.volumePath: must be a string"]);
  });
});
