// Runs README.md's example controller against the local cluster's API server.
import { applyChaosCrds, createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { runSchedules } from "./readme-example.js";
import { installScheduleCrds, testKinds } from "./schedule.test-support.js";

let kubeConfig: KubeConfig;
let kubeconfigPath: string;
let ns: Awaited<ReturnType<typeof createTestNamespace>>;

beforeAll(async () => {
  ({ kubeConfig, kubeconfigPath } = await localCluster("api-only"));
  await installScheduleCrds(kubeConfig);
  ns = await createTestNamespace(kubeConfig, "schedule-readme");
}, 300_000);

afterAll(async () => {
  await ns?.remove();
  if (kubeConfig) await applyChaosCrds(kubeConfig); // the generated CRDs back in place of the test ones
}, 60_000);

test("the example's controller spawns a Schedule's run", async () => {
  const stop = await runSchedules(kubeconfigPath, testKinds);
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    await objects.createNamespacedCustomObject({
      group: "chaos-mesh.org",
      version: "v1alpha1",
      namespace: ns.name,
      plural: "schedules",
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "Schedule", metadata: { name: "every-2s" }, spec: { schedule: "@every 2s", type: "OneShotTestChaos", oneShotTestChaos: { selector: {}, mode: "all" } } },
    });
    await eventually("a run", async () => {
      const list = (await objects.listNamespacedCustomObject({ group: "chaos-mesh.org", version: "v1alpha1", namespace: ns.name, plural: "oneshottestchaos", labelSelector: "managed-by=every-2s" })) as { items: unknown[] };
      return list.items.length ? true : undefined;
    }, 15_000);
  } finally {
    await stop();
  }
}, 40_000);
