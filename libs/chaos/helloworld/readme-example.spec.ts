import { readFileSync } from "node:fs";
import { CoreV1Api } from "@kubernetes/client-node";
import { offlineKubeConfig } from "@faultline/test-ground";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { composeHelloWorld } from "./readme-example.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("gives the daemon the kind's RPC and the manager the kind, from the catalog alone", () => {
    const daemons = createDaemonClientPool({ locator: createStaticDaemonLocator("unix:/run/faultline/daemon.sock") });
    const decoder = createRecordDecoder({ pods: { readPod: async () => undefined }, daemons });
    const core = offlineKubeConfig().makeApiClient(CoreV1Api); // never called here
    const { listed, daemonHandlers, kinds, close } = composeHelloWorld({ decoder, pods: { readPod: async () => undefined }, core, log: () => {}, settings: {} });
    expect(listed).toBe(true);
    // every listed kind's RPCs are registered; HelloWorldChaos owns its one
    expect(daemonHandlers.registered().filter((r) => r.owner === "HelloWorldChaos")).toEqual([{ method: "ExecHelloWorldChaos", owner: "HelloWorldChaos" }]);
    expect(kinds.get("HelloWorldChaos")).toMatchObject({ plural: "helloworldchaos", definition: { oneShot: true, selectorKind: "container" } });
    close();
    daemons.close();
  });
});
