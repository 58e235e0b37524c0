// Runs README.md's example (src/readme-example.ts) against the local API server with the generated
// HelloWorldChaos CRD and a test impl; readme-example.spec.ts checks the README holds it verbatim.
import { ChaosKindRegistry, type ChaosObject } from "@faultline/impl-registry";
import { createPipeline, reconcileUntil } from "./readme-example.js";
import { connectTestApiServer, createTestNamespace, createTestPod, type TestApiServer } from "./testing/api-server.test-support.js";
import { deleteTestNamespace } from "@faultline/test-ground";
import { testCrd, testDeps } from "./testing/in-memory-seams.test-support.js";

const slow = 120_000;
const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
let api: TestApiServer;
let namespace: string;

beforeAll(async () => {
  api = await connectTestApiServer();
  namespace = await createTestNamespace(api, "records-readme");
  await createTestPod(api.core, namespace, "busybox-0", { app: "busybox" });
  await createTestPod(api.core, namespace, "busybox-1", { app: "busybox" });
}, slow);

afterAll(async () => {
  if (api) await deleteTestNamespace(api.kubeConfig, namespace);
});

describe("README example", () => {
  test("drives a HelloWorldChaos to AllInjected, then deletion to the object being gone", async () => {
    const applied: string[] = [];
    const kinds = new ChaosKindRegistry().register(
      {
        crd: testCrd("HelloWorldChaos"),
        oneShot: true,
        selectorKind: "container", // the selector inlined in the spec
        manager: () => ({
          async apply(_ctx, index, records) {
            applied.push(records[index]!.id);
            return "Injected";
          },
          async recover() {
            return "Not Injected";
          },
        }),
      },
      testDeps(),
    );
    const reconciler = createPipeline(api.kubeConfig, kinds);
    await api.customObjects.createNamespacedCustomObject({
      ...resource,
      namespace,
      body: {
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "HelloWorldChaos",
        metadata: { name: "hello" },
        spec: { selector: { labelSelectors: { app: "busybox" } }, mode: "all" },
      },
    });
    const read = () =>
      api.customObjects.getNamespacedCustomObject({ ...resource, namespace, name: "hello" }).then(
        (o) => o as ChaosObject,
        () => undefined,
      );
    const request = { kind: "HelloWorldChaos", namespace, name: "hello" };
    await reconcileUntil(reconciler, request, async () =>
      Boolean((await read())?.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")),
    );
    expect(applied.sort()).toEqual([`${namespace}/busybox-0/app`, `${namespace}/busybox-1/app`]);

    await api.customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name: "hello" });
    await reconcileUntil(reconciler, request, async () => (await read()) === undefined);
  }, slow);
});
