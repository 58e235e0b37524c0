import { validateAgainstSchema } from "@faultline/api";
import { httpChaosCrd, type HTTPChaos } from "./http-chaos-crd.js";

const [version] = httpChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;

const manifest: HTTPChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "HTTPChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h" },
};

function withSpec(spec: object): object {
  return { ...manifest, spec: { ...manifest.spec, ...spec } };
}

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

  it("accepts a manifest with a selector, a mode and a duration", () => {
    expect(validateAgainstSchema(manifest, schema)).toEqual([]);
  });

  it("accepts every mode with a value", () => {
    for (const mode of ["one", "all", "fixed", "fixed-percent", "random-max-percent"]) {
      expect(validateAgainstSchema(withSpec({ mode, value: "1" }), schema)).toEqual([]);
    }
  });

  it("rejects an unknown mode, a bad value and a bad duration", () => {
    expect(validateAgainstSchema(withSpec({ mode: "some" }), schema)).toEqual([expect.stringMatching(/^\.spec\.mode: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ mode: "fixed", value: "50%" }), schema)).toEqual([expect.stringMatching(/^\.spec\.value: must match/)]);
    expect(validateAgainstSchema(withSpec({ duration: "1d" }), schema)).toEqual([expect.stringMatching(/^\.spec\.duration: must match/)]);
  });

  it("requires a selector and a mode, and knows no other selector fields", () => {
    expect(validateAgainstSchema({ ...manifest, spec: { duration: "1h" } }, schema)).toEqual([".spec.selector: required", ".spec.mode: required"]);
    expect(validateAgainstSchema(withSpec({ selector: { namespace: ["a"] } }), schema)).toEqual([".spec.selector.namespace: unknown field"]);
  });
});
