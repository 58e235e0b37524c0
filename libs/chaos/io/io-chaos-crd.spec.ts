import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { validateAgainstSchema } from "@faultline/api";
import { ioChaosActionRules, ioChaosCrd, type IOChaos } from "./io-chaos-crd.js";
import { ioChaosMethods } from "./io-action.js";

const [version] = ioChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;
const spec = schema.properties!["spec"] as { properties: { [k: string]: { [k: string]: unknown } }; "x-kubernetes-validations"?: unknown[] };

const manifest: IOChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "IOChaos",
  metadata: { name: "example" },
  spec: { selector: { namespaces: ["busybox"] }, mode: "all", duration: "1h", action: "latency", delay: "100ms", volumePath: "/data" },
};

function withSpec(fields: object): object {
  return { ...manifest, spec: { ...manifest.spec, ...fields } };
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

  it.each(["io-latency-example.yaml", "io-fault-example.yaml", "io-attr-example.yaml"])("admits Chaos Mesh's %s shape by the schema", (file) => {
    const example = parse(readFileSync(new URL(`./examples/${file}`, import.meta.url), "utf8"));
    expect(validateAgainstSchema(example, schema)).toEqual([]);
  });

  it("accepts every action with its own field, the filter and every mode", () => {
    expect(validateAgainstSchema(withSpec({ action: "fault", errno: 5, percent: 50, path: "/data/**", methods: [...ioChaosMethods] }), schema)).toEqual([]);
    expect(validateAgainstSchema(withSpec({ action: "attrOverride", attr: { perm: 72, kind: "regularFile", atime: { sec: 1, nsec: 0 }, ino: 9, nlink: 2 } }), schema)).toEqual([]);
    expect(validateAgainstSchema(withSpec({ action: "mistake", mistake: { filling: "random", maxOccurrences: 1, maxLength: 10 } }), schema)).toEqual([]);
    for (const mode of ["one", "all", "fixed", "fixed-percent", "random-max-percent"]) {
      expect(validateAgainstSchema(withSpec({ mode, value: "1", containerNames: ["main"] }), schema)).toEqual([]);
    }
  });

  it("refuses bad values by the schema, naming the field", () => {
    expect(validateAgainstSchema(withSpec({ action: "slow" }), schema)).toEqual([expect.stringMatching(/^\.spec\.action: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ delay: "100" }), schema)).toEqual([expect.stringMatching(/^\.spec\.delay: must match/)]);
    expect(validateAgainstSchema(withSpec({ percent: 101 }), schema)).toEqual([expect.stringMatching(/^\.spec\.percent: /)]);
    expect(validateAgainstSchema(withSpec({ errno: -1 }), schema)).toEqual([expect.stringMatching(/^\.spec\.errno: /)]);
    expect(validateAgainstSchema(withSpec({ methods: ["read", "seek"] }), schema)).toEqual([expect.stringMatching(/^\.spec\.methods\[1\]: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ attr: { kind: "file" } }), schema)).toEqual([expect.stringMatching(/^\.spec\.attr\.kind: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ mistake: { filling: "ones", maxOccurrences: 1, maxLength: 1 } }), schema)).toEqual([expect.stringMatching(/^\.spec\.mistake\.filling: must be one of/)]);
    expect(validateAgainstSchema(withSpec({ mistake: { filling: "zero", maxOccurrences: 0, maxLength: 1 } }), schema)).toEqual([expect.stringMatching(/^\.spec\.mistake\.maxOccurrences: /)]);
    expect(validateAgainstSchema(withSpec({ duration: "1d" }), schema)).toEqual([expect.stringMatching(/^\.spec\.duration: must match/)]);
  });

  it("requires a selector, a mode, an action and volumePath", () => {
    expect(validateAgainstSchema({ ...manifest, spec: { duration: "1h" } }, schema)).toEqual([".spec.selector: required", ".spec.mode: required", ".spec.action: required", ".spec.volumePath: required"]);
  });

  it("defaults percent to 100, as Chaos Mesh does", () => {
    expect(spec.properties["percent"]).toMatchObject({ default: 100, minimum: 0, maximum: 100 });
  });

  it("leaves the rest to CEL rules the API server runs: each action's own field, volumePath, path, remoteCluster", () => {
    expect(spec["x-kubernetes-validations"]).toEqual(ioChaosActionRules);
    expect(ioChaosActionRules.map((r) => r.fieldPath)).toEqual([".delay", ".errno", ".attr", ".mistake", ".remoteCluster"]);
    expect(spec.properties["volumePath"]!["x-kubernetes-validations"]).toEqual([expect.objectContaining({ rule: "self.startsWith('/') && !self.matches('^/+$')" })]);
    expect(spec.properties["path"]!["x-kubernetes-validations"]).toEqual([expect.objectContaining({ rule: "self == '' || self.startsWith('/')" })]);
  });
});
