// README.md's examples are src/readme-example.ts and src/readme-cached-example.ts, pasted verbatim;
// this keeps them in step. Their *.integration.spec.ts run them against real parts.
import { readFile } from "node:fs/promises";

describe("README example", () => {
  test("README.md contains src/readme-example.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });

  test("README.md contains src/readme-cached-example.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-cached-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });
});
