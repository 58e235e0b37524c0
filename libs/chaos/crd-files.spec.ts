import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crdFiles } from "@faultline/api";
import { crdsOf } from "@faultline/chaos-kind";
import { builtInChaosKinds } from "./catalog.js";
import { crdHeader } from "./crd-header.js";

const crdDir = fileURLToPath(new URL("./crds/", import.meta.url));
const chartCrdDir = fileURLToPath(new URL("../../charts/faultline/crds/", import.meta.url));

describe("libs/chaos/crds", () => {
  const files = crdFiles(crdsOf(builtInChaosKinds), crdHeader);

  it(`holds exactly what the catalog's schemas generate (run \`${crdHeader.command}\` when this fails)`, () => {
    expect(readdirSync(crdDir).filter((name) => name.endsWith(".yaml")).sort()).toEqual(files.map((file) => file.fileName));
    for (const { fileName, content } of files) expect(readFileSync(crdDir + fileName, "utf8")).toBe(content);
  });

  it("has one CRD per catalog kind, named after it", () => {
    expect(files.map((f) => f.fileName).sort()).toEqual(
      builtInChaosKinds.map((kind) => `chaos-mesh.org_${kind.crd.spec.names.kind.toLowerCase()}.yaml`).sort(),
    );
  });

  it("is what the chart carries", () => {
    for (const { fileName, content } of files) expect(readFileSync(chartCrdDir + fileName, "utf8")).toBe(content);
  });
});
