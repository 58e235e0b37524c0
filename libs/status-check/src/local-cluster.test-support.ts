// The local cluster's real API server (api-only) with the StatusCheck CRD installed, for the
// integration tests of the CRD and the controller.
import { CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { apiRequest, applyCrds, createTestNamespace, localCluster } from "@faultline/test-ground";
import { statusCheckCrd } from "./status-check-crd.js";
import { statusCheckResource, type StatusCheck } from "./status-check.js";

/** Creates (or replaces) the StatusCheck CRD and waits until it is served. */
export async function installStatusCheckCrd(kubeConfig: KubeConfig): Promise<void> {
  await applyCrds(kubeConfig, [statusCheckCrd()]);
}

export interface StatusCheckCluster {
  kubeConfig: KubeConfig;
  customObjects: CustomObjectsApi;
  namespace: string;
  create(name: string, spec: object): Promise<StatusCheck>;
  get(name: string): Promise<StatusCheck>;
  remove(): Promise<void>;
}

/** The cluster, the CRD, and a fresh namespace to create StatusChecks in. */
export async function statusCheckCluster(prefix: string): Promise<StatusCheckCluster> {
  const { kubeConfig } = await localCluster("api-only");
  await installStatusCheckCrd(kubeConfig);
  const ns = await createTestNamespace(kubeConfig, prefix);
  const customObjects = kubeConfig.makeApiClient(CustomObjectsApi);
  const { group, version, plural } = statusCheckResource;
  return {
    kubeConfig,
    customObjects,
    namespace: ns.name,
    create: async (name, spec) =>
      (await customObjects.createNamespacedCustomObject({
        group,
        version,
        plural,
        namespace: ns.name,
        body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "StatusCheck", metadata: { name, namespace: ns.name }, spec },
      })) as StatusCheck,
    get: async (name) => (await customObjects.getNamespacedCustomObject({ group, version, plural, namespace: ns.name, name })) as StatusCheck,
    remove: () => ns.remove(),
  };
}

/** GETs `path` as kubectl does for `kubectl get` (a meta.k8s.io Table), and answers its rows' cells by column name. */
export async function tableRows(kubeConfig: KubeConfig, path: string): Promise<{ [column: string]: unknown }[]> {
  const response = await apiRequest(kubeConfig, "GET", path, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
  if (response.status !== 200) throw new Error(`GET ${path}: ${response.status} ${JSON.stringify(response.body)}`);
  const table = response.body as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  return table.rows.map((row) => Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, row.cells[i]])));
}
