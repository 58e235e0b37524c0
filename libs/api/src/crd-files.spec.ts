import { Type } from "@sinclair/typebox";
import { crdFileName, crdFiles } from "./crd-files.js";
import { defineChaosCrd } from "./v1alpha1/chaos-crd.js";

const crd = (kind: string) => defineChaosCrd({ kind, description: `${kind} does nothing.`, spec: Type.Object({}) });
const header = { source: "libs/example", command: "npm run generate:crds -w example" };

describe("crdFiles", () => {
  it("names each file as Chaos Mesh names its own", () => {
    expect(crdFileName(crd("PodChaos"))).toBe("chaos-mesh.org_podchaos.yaml");
  });

  it("writes one file per CRD, sorted by name, headed by its source and command", () => {
    const files = crdFiles([crd("StressChaos"), crd("PodChaos")], header);
    expect(files.map((f) => f.fileName)).toEqual(["chaos-mesh.org_podchaos.yaml", "chaos-mesh.org_stresschaos.yaml"]);
    expect(files[0]!.content.split("\n").slice(0, 4)).toEqual([
      "# Generated from libs/example by `npm run generate:crds -w example`; do not edit.",
      "---",
      "apiVersion: apiextensions.k8s.io/v1",
      "kind: CustomResourceDefinition",
    ]);
  });

  it("gives the same bytes for CRDs built twice from the same sources", () => {
    const first = crdFiles([crd("PodChaos"), crd("NetworkChaos")], header);
    const second = crdFiles([crd("NetworkChaos"), crd("PodChaos")], header);
    expect(second.map((f) => f.content)).toEqual(first.map((f) => f.content));
    expect(crdFiles([crd("PodChaos")], { ...header, source: "elsewhere" })[0]!.content).not.toBe(first[1]!.content);
  });
});
