// Raw requests to the local cluster's API server (tools/local-cluster), for tests that must send
// bytes as they are (a YAML file) or read what kubectl reads (tables, discovery).
import { KubeConfig } from "@kubernetes/client-node";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { ensureCluster } from "../../tools/local-cluster/handle.mjs";

export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ApiServer {
  request(method: string, path: string, options?: { body?: string | object; contentType?: string; accept?: string }): Promise<ApiResponse>;
}

/** The local cluster's API server (started in api-only mode when it is not up). */
export async function localApiServer(): Promise<ApiServer> {
  const { kubeconfigPath, server } = await ensureCluster({ mode: "api-only", progress: false });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  return {
    async request(method, path, options = {}) {
      const url = new URL(path, server);
      const body = typeof options.body === "object" ? JSON.stringify(options.body) : options.body;
      const requestOptions: RequestOptions = {
        method,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: {
          accept: options.accept ?? "application/json",
          ...(body === undefined ? {} : { "content-type": options.contentType ?? "application/json" }),
        },
      };
      await kubeConfig.applyToHTTPSOptions(requestOptions);
      return new Promise((resolve, reject) => {
        const req = httpsRequest(requestOptions, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("end", () => {
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        });
        req.on("error", reject);
        req.end(body);
      });
    },
  };
}
