// The real API server (the local cluster, api-only) with the CRDs the Workflow tests need: the
// test kinds, workflows and workflownodes, and stand-in schedules and statuschecks (their real
// CRDs come from other libraries; these keep any fields and have a status subresource).
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { applyChaosCrds, applyCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import type { CustomResourceDefinition } from "@faultline/api";
import { crdsOf } from "@faultline/chaos-kind";
import { workflowCrd, workflowNodeCrd } from "./workflow-crd.js";
import { standInSchemas, testKinds } from "./workflow-kinds.test-support.js";

/** Starting the local cluster, when it is not up yet, takes minutes. */
export const clusterTimeoutMs = 300_000;

const standInCrd = (kind: string, plural: string): CustomResourceDefinition => ({
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${plural}.chaos-mesh.org` },
  spec: {
    group: "chaos-mesh.org",
    names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
    scope: "Namespaced",
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        subresources: { status: {} },
      },
    ],
  },
});


/** The CRDs of the Workflow tests. */
export const workflowTestCrds = (): CustomResourceDefinition[] => [
  ...crdsOf(testKinds),
  workflowCrd(testKinds, standInSchemas),
  workflowNodeCrd(testKinds, standInSchemas),
  standInCrd("Schedule", "schedules"),
  standInCrd("StatusCheck", "statuschecks"),
];

/**
 * The local cluster with the Workflow tests' CRDs installed, and a fresh namespace (`full`: with
 * the kubelet, for Task pods that really run, and the garbage collector). `remove()`
 * deletes the namespace and puts the generated CRDs (libs/chaos/crds) back in place of the test
 * ones, so what runs after these tests on the same API server (the manager's end-to-end tests,
 * the chart) finds the real schedules, workflows, workflownodes and statuschecks.
 */
export async function workflowTestCluster(
  prefix: string,
  mode: "api-only" | "full" = "api-only",
): Promise<{ kubeConfig: KubeConfig; kubeconfigPath: string; server: string; custom: CustomObjectsApi; namespace: string; remove(): Promise<void> }> {
  const cluster = await localCluster(mode);
  await applyCrds(cluster.kubeConfig, workflowTestCrds());
  const ns = await createTestNamespace(cluster.kubeConfig, prefix);
  const remove = async () => {
    await ns.remove();
    await applyChaosCrds(cluster.kubeConfig);
  };
  return { ...cluster, custom: cluster.kubeConfig.makeApiClient(CustomObjectsApi), namespace: ns.name, remove };
}
