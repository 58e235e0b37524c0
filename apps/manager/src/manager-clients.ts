// The manager's Kubernetes API clients: every one rate-limited by one shared token bucket.
import { TokenBucket, makeRateLimitedApiClient } from "@faultline/controller";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type { ManagerConfig } from "./manager-config.js";

/** The clients and the QPS/burst budget they share (watches and the Lease draw from it too). */
export interface ManagerClients {
  bucket: TokenBucket;
  /** A client of `apiClass` under the shared budget, its requests counted in `registry`. */
  api<T>(apiClass: new (...args: never[]) => T): T;
  core: CoreV1Api;
  customObjects: CustomObjectsApi;
}

/** Clients sharing `--qps` / `--burst`, counted as `rest_client_requests_total` in `registry`. */
export function createManagerClients(kubeConfig: KubeConfig, config: Pick<ManagerConfig, "qps" | "burst">, registry: Registry): ManagerClients {
  const bucket = new TokenBucket({ qps: config.qps, burst: config.burst });
  const api = <T>(apiClass: new (...args: never[]) => T) => makeRateLimitedApiClient(kubeConfig, apiClass as never, bucket, { registry }) as T;
  return { bucket, api, core: api(CoreV1Api), customObjects: api(CustomObjectsApi) };
}
