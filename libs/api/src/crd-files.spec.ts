import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { crdFiles, generateCrdsCommand } from "./crd-files.js";

const crdDir = fileURLToPath(new URL("../crds/", import.meta.url));

describe("libs/api/crds", () => {
  it(`holds exactly what the schemas generate (run \`${generateCrdsCommand}\` when this fails)`, () => {
    const files = crdFiles();
    expect(readdirSync(crdDir).filter((name) => name.endsWith(".yaml")).sort()).toEqual(
      files.map((file) => file.fileName).sort(),
    );
    for (const { fileName, content } of files) {
      expect(readFileSync(crdDir + fileName, "utf8")).toBe(content);
    }
  });

  it("generates the same bytes every time", () => {
    expect(crdFiles()).toEqual(crdFiles());
    expect(crdFiles().map((file) => file.fileName)).toEqual(["chaos-mesh.org_helloworldchaos.yaml"]);
  });
});
