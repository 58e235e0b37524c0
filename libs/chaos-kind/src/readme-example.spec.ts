import { readFileSync } from "node:fs";
import { CoreV1Api } from "@kubernetes/client-node";
import { offlineKubeConfig } from "@faultline/test-ground";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { oneShotOf, selectorKindOf, selectorsOf } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import { createChaosKindRegistry, registerDaemonHandlers } from "./index.js";
import { containerRestartChaos, containerRestartChaosCrd } from "./readme-example.js";

const containerId = "containerd://" + "d".repeat(64);

const unreachableCore = () => offlineKubeConfig().makeApiClient(CoreV1Api); // never called here

describe("README example", () => {
  it("is src/readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("derives every name from the kind written once", () => {
    expect(containerRestartChaosCrd.metadata.name).toBe("containerrestartchaos.chaos-mesh.org");
    expect(containerRestartChaosCrd.spec.names).toMatchObject({ kind: "ContainerRestartChaos", plural: "containerrestartchaos", listKind: "ContainerRestartChaosList" });
  });

  it("is served by a manager composed from a list of definitions, killing through the record's daemon", async () => {
    const killed: string[] = [];
    const daemons = createInMemoryDaemonClientPool({ async containerKill(req) { killed.push(req.containerId); return {}; } }, { nodes: ["node-1"] });
    const pods = createInMemoryPodSource({
      pods: [
        {
          metadata: { namespace: "shop", name: "web-0" },
          spec: { nodeName: "node-1", containers: [{ name: "web" }] },
          status: { containerStatuses: [{ name: "web", containerID: containerId, image: "web", imageID: "", ready: true, restartCount: 0 }] },
        },
      ],
    });
    const kinds = createChaosKindRegistry([containerRestartChaos], { decoder: createRecordDecoder({ pods, daemons }), pods, core: unreachableCore(), log: () => {}, settings: {} });
    const kind = kinds.get("ContainerRestartChaos");
    expect(kind).toMatchObject({ plural: "containerrestartchaos", group: "chaos-mesh.org", version: "v1alpha1", definition: containerRestartChaos });
    const obj = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "ContainerRestartChaos", metadata: { namespace: "shop", name: "restart" }, spec: { selector: {}, mode: "one" } };
    const record = { id: "shop/web-0/web", selectorKey: ".", phase: "Not Injected" as const, injectedCount: 0, recoveredCount: 0 };
    expect(oneShotOf(kind, obj)).toBe(true);
    expect(selectorKindOf(kind, obj)).toBe("container");
    expect(selectorsOf(kind, obj)).toEqual([{ key: ".", selector: { selector: {}, mode: "one" } }]);
    await expect(kind.impl.apply({ signal: new AbortController().signal, namespacedName: "shop/restart" }, 0, [record], obj)).resolves.toBe("Injected");
    expect(killed).toEqual([containerId]);
  });

  it("adds no daemon RPCs for a kind without any", () => {
    expect(registerDaemonHandlers([containerRestartChaos], { runtime: {} as never, runner: {} as never }).registered()).toEqual([]);
  });
});
