import { readFileSync } from "node:fs";
import { probeExample } from "./readme-example.js";

describe("README example", () => {
  it("is src/readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("runs: not ready, then ready, with the counter in /metrics", async () => {
    const result = await probeExample(async () => undefined);
    expect(result).toMatchObject({ before: 503, after: 200 });
    expect(result.metrics).toContain("example_starts_total 1");
  });
});
