import { createRequire } from "node:module";
import {
  createConfiguration,
  ServerConfiguration,
  setHeaderMiddleware,
  type Configuration,
  type KubeConfig,
  type Middleware,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";
import type { TokenBucket } from "./token-bucket.js";

const clientNodeVersion: string = createRequire(import.meta.url)("@kubernetes/client-node/package.json").version;

/**
 * The User-Agent `kubeConfig.makeApiClient` sends (`kubernetes-client-javascript/<version>`), which
 * rate-limited clients send too, so the API server's audit log and metrics see one client.
 */
export const kubernetesClientUserAgent = `kubernetes-client-javascript/${clientNodeVersion}`;

/**
 * A @kubernetes/client-node (promise) middleware that takes a token from `bucket` before every
 * request, so every API call made through clients that carry it shares one QPS/burst budget.
 */
export function rateLimitMiddleware(bucket: TokenBucket): Middleware {
  return {
    pre: async (context: RequestContext) => {
      await bucket.take();
      return context;
    },
    post: async (context: ResponseContext) => context,
  };
}

/**
 * `kubeConfig.makeApiClient(apiClass)`, with every request waiting for a token from `bucket`.
 * The manager makes one bucket from its `--qps`/`--burst` settings and builds every API client it
 * hands to the libraries (selector, records, impl-registry, watches, leader election) through this,
 * so the whole process stays within the budget, as client-go's rest.Config QPS/Burst do. Requests
 * carry the User-Agent `makeApiClient` would send ({@link kubernetesClientUserAgent}), or
 * `options.userAgent`.
 *
 * @example
 * const bucket = new TokenBucket({ qps: 20, burst: 30 });
 * const core = makeRateLimitedApiClient(kubeConfig, CoreV1Api, bucket);
 */
export function makeRateLimitedApiClient<T>(
  kubeConfig: KubeConfig,
  apiClass: new (configuration: Configuration) => T,
  bucket: TokenBucket,
  options: { userAgent?: string } = {},
): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("makeRateLimitedApiClient: the kubeconfig has no current cluster");
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    middleware: [setHeaderMiddleware("User-Agent", options.userAgent ?? kubernetesClientUserAgent)],
    promiseMiddleware: [rateLimitMiddleware(bucket)],
  });
  return new apiClass(configuration);
}
