// README.md's example is src/readme-example.ts, pasted verbatim; this keeps the two in step and runs
// it with the pod and the daemon in memory.
import { readFile } from "node:fs/promises";
import { CoreV1Api } from "@kubernetes/client-node";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";
import { offlineKubeConfig } from "@faultline/test-ground";
import { resourceOf, selectorsOf } from "./index.js";
import { helloWorldRegistry } from "./readme-example.js";

const containerId = "containerd://" + "a".repeat(64);

describe("README example", () => {
  test("README.md contains src/readme-example.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });

  test("serves the kind under its CRD's names and applies a record through the record's daemon", async () => {
    const asked: string[] = [];
    const daemons = createInMemoryDaemonClientPool(
      {
        async execHelloWorldChaos(req, ctx) {
          asked.push(`${ctx.requestHeader.get("namespaced-name")} ${req.containerId}`);
          return {};
        },
      },
      { nodes: ["node-1"] },
    );
    const pods = createInMemoryPodSource({
      pods: [
        {
          metadata: { namespace: "shop", name: "web-0" },
          spec: { nodeName: "node-1", containers: [{ name: "web" }] },
          status: { containerStatuses: [{ name: "web", containerID: containerId, image: "web", imageID: "", ready: true, restartCount: 0 }] },
        },
      ],
    });
    const core = offlineKubeConfig().makeApiClient(CoreV1Api); // never called here
    const kinds = helloWorldRegistry({ decoder: createRecordDecoder({ pods, daemons }), pods, core, log: () => {}, settings: {} });

    const kind = kinds.get("HelloWorldChaos");
    expect(resourceOf(kind)).toEqual({ group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" });
    const obj = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { namespace: "shop", name: "hello" }, spec: { selector: {}, mode: "all" } };
    expect(selectorsOf(kind, obj)).toEqual([{ key: ".", selector: { selector: {}, mode: "all" } }]);
    const record = { id: "shop/web-0/web", selectorKey: ".", phase: "Not Injected" as const, injectedCount: 0, recoveredCount: 0 };
    const ctx = { signal: new AbortController().signal, namespacedName: "shop/hello" };
    await expect(kind.impl.apply(ctx, 0, [record], obj)).resolves.toBe("Injected");
    expect(asked).toEqual([`shop/hello ${containerId}`]);
    await expect(kind.impl.recover(ctx, 0, [record], obj)).resolves.toBe("Not Injected");
  });
});
