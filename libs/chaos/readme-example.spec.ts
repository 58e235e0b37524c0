import { readFileSync } from "node:fs";
import { describeCatalog, withoutPodChaos } from "./readme-example.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("lists every built-in kind once, and a list can leave one out", () => {
    expect(describeCatalog()).toEqual(["HelloWorldChaos (helloworldchaos.chaos-mesh.org)", "PodChaos (podchaos.chaos-mesh.org)"]);
    expect(withoutPodChaos.map((kind) => kind.crd.spec.names.kind)).toEqual(["HelloWorldChaos"]);
  });
});
