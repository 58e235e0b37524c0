// README.md's example is src/readme-example.ts, pasted verbatim; this keeps the two in step.
// readme-example.integration.spec.ts runs it against real parts.
import { readFile } from "node:fs/promises";

describe("README example", () => {
  test("README.md contains src/readme-example.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });
});
