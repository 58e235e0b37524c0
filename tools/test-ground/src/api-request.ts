import { request as httpsRequest, type RequestOptions } from "node:https";
import type { KubeConfig } from "@kubernetes/client-node";

/** What the API server answered: the status and the body (parsed when it is JSON). */
export interface ApiResponse {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/**
 * A raw request to the API server of a kubeconfig, for what the typed client cannot ask or would
 * change: a body sent as it is (YAML, unknown fields), a Table, discovery.
 */
export async function apiRequest(
  kubeConfig: KubeConfig,
  method: string,
  path: string,
  options: { body?: string | object; contentType?: string; accept?: string } = {},
): Promise<ApiResponse> {
  const url = new URL(path, kubeConfig.getCurrentCluster()!.server);
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
}
