// The real API server of tools/local-cluster (api-only mode: pods and EndpointSlices are written
// through the API as a kubelet and the EndpointSlice controller would write them).
import { randomBytes } from "node:crypto";
import { CoreV1Api, DiscoveryV1Api, KubeConfig } from "@kubernetes/client-node";
import { ensureCluster } from "../../../../tools/local-cluster/handle.mjs";

export interface TestApiServer {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  discovery: DiscoveryV1Api;
}

export async function connectTestApiServer(): Promise<TestApiServer> {
  const { kubeconfigPath } = await ensureCluster({ mode: "api-only", progress: false });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return { kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api), discovery: kubeConfig.makeApiClient(DiscoveryV1Api) };
}

export async function createTestNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}
