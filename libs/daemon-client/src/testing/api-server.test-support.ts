// The real API server of tools/local-cluster (api-only mode: pods and EndpointSlices are written
// through the API as a kubelet and the EndpointSlice controller would write them), through the
// test ground.
import { CoreV1Api, DiscoveryV1Api, type KubeConfig } from "@kubernetes/client-node";
import { createTestNamespace as createNamespace, localCluster } from "@faultline/test-ground";

export interface TestApiServer {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
}

export async function connectTestApiServer(): Promise<TestApiServer> {
  const { kubeConfig } = await localCluster("api-only");
  return { kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api), discovery: kubeConfig.makeApiClient(DiscoveryV1Api) };
}

/** A namespace with a unique name; the specs delete it with the test ground's deleteTestNamespace. */
export async function createTestNamespace(api: TestApiServer, prefix: string): Promise<string> {
  return (await createNamespace(api.kubeConfig, prefix)).name;
}
