// README.md's library example is src/server/readme-example.test-support.ts, pasted verbatim; this keeps
// the two in step. readme-example.integration.spec.ts runs it against the local cluster.
import { readFile } from "node:fs/promises";

describe("README example", () => {
  it("README.md contains readme-example.test-support.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example.test-support.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });
});
