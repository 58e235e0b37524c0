import { createConfiguration, ServerConfiguration, type Configuration, type KubeConfig, type Middleware, type RequestContext, type ResponseContext } from "@kubernetes/client-node";
import type { TokenBucket } from "./token-bucket.js";

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
 * so the whole process stays within the budget, as client-go's rest.Config QPS/Burst do.
 *
 * @example
 * const bucket = new TokenBucket({ qps: 20, burst: 30 });
 * const core = makeRateLimitedApiClient(kubeConfig, CoreV1Api, bucket);
 */
export function makeRateLimitedApiClient<T>(kubeConfig: KubeConfig, apiClass: new (configuration: Configuration) => T, bucket: TokenBucket): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("makeRateLimitedApiClient: the kubeconfig has no current cluster");
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [rateLimitMiddleware(bucket)],
  });
  return new apiClass(configuration);
}
