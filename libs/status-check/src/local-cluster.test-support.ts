// The local cluster's real API server (api-only) with the StatusCheck CRD installed, for the
// integration tests of the CRD and the controller.
import { request as httpsRequest, type RequestOptions } from "node:https";
import { ApiextensionsV1Api, CustomObjectsApi, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { createTestNamespace, eventually, localCluster } from "@faultline/test-ground";
import { statusCheckCrd } from "./status-check-crd.js";
import { statusCheckResource, type StatusCheck } from "./status-check.js";

/** Creates (or replaces) the StatusCheck CRD and waits until it is served. */
export async function installStatusCheckCrd(kubeConfig: KubeConfig): Promise<void> {
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  // through loadYaml, as the CRD files are read: the client's model spells some keys otherwise
  // (`x_kubernetes_validations`, `_enum`, `_default`) and would drop them from a plain object
  const crd = loadYaml<V1CustomResourceDefinition>(JSON.stringify(statusCheckCrd()));
  const name = crd.metadata!.name!;
  try {
    await extensions.createCustomResourceDefinition({ body: crd });
  } catch (error) {
    if ((error as { code?: number }).code !== 409) throw error;
    const existing = await extensions.readCustomResourceDefinition({ name });
    await extensions.replaceCustomResourceDefinition({ name, body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata!.resourceVersion } } });
  }
  await eventually(`CRD ${name} established`, async () => {
    const current = await extensions.readCustomResourceDefinition({ name });
    return current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
  }, 30_000, 100);
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
  const server = new URL(kubeConfig.getCurrentCluster()!.server);
  const options: RequestOptions = {
    method: "GET",
    hostname: server.hostname,
    port: server.port,
    path,
    headers: { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest(options, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${path}: ${res.statusCode} ${body}`))));
    });
    req.on("error", reject);
    req.end();
  });
  const table = JSON.parse(text) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  return table.rows.map((row) => Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, row.cells[i]])));
}
