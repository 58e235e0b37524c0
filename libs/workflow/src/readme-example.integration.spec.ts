// Runs README.md's example (src/readme-example.ts) against the local cluster's API server.
import { CustomObjectsApi } from "@kubernetes/client-node";
import { runWorkflow } from "./readme-example.js";
import { clusterTimeoutMs, workflowTestCluster } from "./workflow-cluster.test-support.js";
import { testKinds } from "./workflow-kinds.test-support.js";

let cluster: Awaited<ReturnType<typeof workflowTestCluster>>;

beforeAll(async () => {
  cluster = await workflowTestCluster("wf-readme");
}, clusterTimeoutMs);

afterAll(async () => {
  await cluster?.remove();
}, 60_000);

describe("README example", () => {
  test("runs a Serial [chaos 1s → Suspend 1s] Workflow to Accomplished, leaving no chaos behind", async () => {
    const status = await runWorkflow(cluster.kubeConfig, testKinds, {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "Workflow",
      metadata: { name: "readme", namespace: cluster.namespace },
      spec: {
        entry: "main",
        templates: [
          { name: "main", templateType: "Serial", children: ["fault", "pause"] },
          { name: "fault", templateType: "WfAlphaChaos", deadline: "1s", wfAlphaChaos: { target: "app" } },
          { name: "pause", templateType: "Suspend", deadline: "1s" },
        ],
      },
    });
    expect(status?.conditions).toContainEqual(expect.objectContaining({ type: "Accomplished", status: "True" }));
    const left = await cluster.kubeConfig
      .makeApiClient(CustomObjectsApi)
      .listNamespacedCustomObject({ group: "chaos-mesh.org", version: "v1alpha1", namespace: cluster.namespace, plural: "wfalphachaos" });
    expect((left as { items: unknown[] }).items).toEqual([]);
  }, 60_000);
});
