// README.md's unit-test example is src/readme-example-unit-test.ts, pasted verbatim; this keeps the
// two in step and runs it (it needs nothing started).
import { readFile } from "node:fs/promises";
import { callWithoutAServer } from "./readme-example-unit-test.js";

describe("README unit-test example", () => {
  test("README.md contains src/readme-example-unit-test.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example-unit-test.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });

  test("calls the handler and answers its log lines", async () => {
    const containerId = "containerd://" + "0".repeat(64);
    expect(await callWithoutAServer(containerId)).toEqual([
      { level: "info", message: "hello from the daemon", method: "ExecHelloWorldChaos", containerId, namespacedName: "demo/example" },
    ]);
  });
});
