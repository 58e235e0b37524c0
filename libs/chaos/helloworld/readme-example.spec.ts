import { readFileSync } from "node:fs";
import { registerHelloWorld } from "./readme-example.js";

describe("README example", () => {
  it("is src/readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("registers the daemon's RPC and the manager's kind", () => {
    const { daemonHandlers, kinds, close } = registerHelloWorld({ readPod: async () => undefined });
    expect(daemonHandlers.registered()).toEqual([{ method: "ExecHelloWorldChaos", owner: "helloworld" }]);
    expect(kinds.get("HelloWorldChaos")).toMatchObject({ plural: "helloworldchaos", oneShot: true, selectorKind: "container" });
    close();
  });
});
