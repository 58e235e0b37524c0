// The real API server of tools/local-cluster (api-only mode is enough: nothing here needs a kubelet),
// with the HelloWorldChaos CRD applied from libs/api/crds.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { applyChaosCrds, createTestNamespace as createNamespace, localCluster } from "@faultline/test-ground";

export interface TestApiServer {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  customObjects: CustomObjectsApi;
}

/** Starts (or reuses) the local API server and applies the generated CRDs; waits until they are served. */
export async function connectTestApiServer(): Promise<TestApiServer> {
  const { kubeConfig } = await localCluster("api-only");
  await applyChaosCrds(kubeConfig);
  return { kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api), customObjects: kubeConfig.makeApiClient(CustomObjectsApi) };
}

/** A namespace with a unique name; the specs delete it with the test ground's deleteTestNamespace. */
export async function createTestNamespace(api: TestApiServer, prefix: string): Promise<string> {
  return (await createNamespace(api.kubeConfig, prefix)).name;
}

/** A pod on `nodeName` with one container `app`, created through the API (no kubelet runs it). */
export async function createTestPod(core: CoreV1Api, namespace: string, name: string, labels: { [k: string]: string }, nodeName = "node-1"): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace,
    body: { metadata: { name, labels }, spec: { nodeName, containers: [{ name: "app", image: "busybox" }] } },
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
