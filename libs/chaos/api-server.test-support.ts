// Raw requests to the local cluster's API server (tools/local-cluster), for tests that must send
// bytes as they are (a YAML file) or read what kubectl reads (tables, discovery).
import { KubeConfig } from "@kubernetes/client-node";
import { apiRequest, type ApiResponse } from "@faultline/test-ground";
import { ensureCluster } from "../../tools/local-cluster/handle.mjs";

export type { ApiResponse };

export interface ApiServer {
  readonly kubeConfig: KubeConfig;
  request(method: string, path: string, options?: { body?: string | object; contentType?: string; accept?: string }): Promise<ApiResponse>;
}

/** The local cluster's API server (started in api-only mode when it is not up). */
export async function localApiServer(): Promise<ApiServer> {
  const { kubeconfigPath } = await ensureCluster({ mode: "api-only", progress: false });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return { kubeConfig, request: (method, path, options) => apiRequest(kubeConfig, method, path, options) };
}
