// README.md's unit-test example is src/readme-example-unit-test.ts, pasted verbatim; this keeps the
// two in step and runs it (it needs nothing started).
import { readFile } from "node:fs/promises";
import { applyWithoutACluster } from "./readme-example-unit-test.js";

describe("README unit-test example", () => {
  test("README.md contains src/readme-example-unit-test.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example-unit-test.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });

  test("applies through the in-memory pod source and daemon", async () => {
    expect(await applyWithoutACluster()).toEqual([
      `busybox/busybox-helloworld-chaos: ExecHelloWorldChaos containerd://${"a".repeat(64)}`,
    ]);
  });
});
