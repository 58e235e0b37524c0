import { readFileSync } from "node:fs";
import { describeCatalog, withoutPodChaos } from "./readme-example.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  // the catalog grows with every kind: check what it holds, never pin the whole list
  it("lists every built-in kind once, and a list can leave one out", () => {
    const described = describeCatalog();
    expect(described).toEqual(expect.arrayContaining(["HelloWorldChaos (helloworldchaos.chaos-mesh.org)", "PodChaos (podchaos.chaos-mesh.org)"]));
    expect(new Set(described).size).toBe(described.length);
    const kept = withoutPodChaos.map((kind) => kind.crd.spec.names.kind);
    expect(kept).not.toContain("PodChaos");
    expect(kept).toHaveLength(described.length - 1);
  });
});
