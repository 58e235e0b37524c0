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
import { Counter, type Registry } from "prom-client";
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
 * Counts the requests a client sends, by HTTP method (`rest_client_requests_total`, as client-go
 * names it), and the answers it gets, by status code (`rest_client_responses_total`): so /metrics
 * shows what the manager costs the API server, and benchmarks can count API calls per record.
 */
/**
 * Bounds every request that has no signal of its own: it is aborted after `timeoutMs`. Without it a
 * request sent as the API server goes away can wait for undici's 300 s header timeout, holding a
 * reconcile (and a shutdown that waits for it) that long.
 */
export function requestTimeoutMiddleware(timeoutMs: number): Middleware {
  return {
    pre: async (context: RequestContext) => {
      if (context.getSignal() === undefined) context.setSignal(AbortSignal.timeout(timeoutMs));
      return context;
    },
    post: async (context: ResponseContext) => context,
  };
}

/** How long one API request may take before it is aborted (client-go's default is none; 30 s is generous for one object or one page). */
export const defaultRequestTimeoutMs = 30_000;

export function requestCountMiddleware(registry: Registry): Middleware {
  const counter = <L extends string>(name: string, help: string, label: L) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames: [label], registers: [registry] });
  const requests = counter("rest_client_requests_total", "Kubernetes API requests sent, by HTTP method", "method");
  const responses = counter("rest_client_responses_total", "Kubernetes API answers received, by HTTP status code", "code");
  return {
    pre: async (context: RequestContext) => {
      requests.inc({ method: context.getHttpMethod().toString() });
      return context;
    },
    post: async (context: ResponseContext) => {
      responses.inc({ code: String(context.httpStatusCode) });
      return context;
    },
  };
}

/**
 * An API client of `apiClass` whose requests are each bounded by `timeoutMs` (default
 * {@link defaultRequestTimeoutMs}), for clients that take their rate-limit tokens themselves (the
 * resilient watch's lists).
 */
export function boundedApiClient<T>(kubeConfig: KubeConfig, apiClass: new (configuration: Configuration) => T, timeoutMs = defaultRequestTimeoutMs): T {
  return apiClientWith(kubeConfig, apiClass, { requestTimeoutMs: timeoutMs });
}

function apiClientWith<T>(
  kubeConfig: KubeConfig,
  apiClass: new (configuration: Configuration) => T,
  options: { userAgent?: string; registry?: Registry; requestTimeoutMs?: number; bucket?: TokenBucket },
): T {
  const cluster = kubeConfig.getCurrentCluster();
  if (!cluster) throw new Error("an API client needs a kubeconfig with a current cluster");
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    middleware: [setHeaderMiddleware("User-Agent", options.userAgent ?? kubernetesClientUserAgent)],
    promiseMiddleware: [
      ...(options.bucket ? [rateLimitMiddleware(options.bucket)] : []),
      // after the token: the time waiting for one is not the request's
      requestTimeoutMiddleware(options.requestTimeoutMs ?? defaultRequestTimeoutMs),
      ...(options.registry ? [requestCountMiddleware(options.registry)] : []),
    ],
  });
  return new apiClass(configuration);
}

/**
 * `kubeConfig.makeApiClient(apiClass)`, with every request waiting for a token from `bucket`.
 * The manager makes one bucket from its `--qps`/`--burst` settings and builds every API client it
 * hands to the libraries (selector, records, daemon-client, watches, leader election) through this,
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
  options: { userAgent?: string; registry?: Registry; requestTimeoutMs?: number } = {},
): T {
  if (!kubeConfig.getCurrentCluster()) throw new Error("makeRateLimitedApiClient: the kubeconfig has no current cluster");
  return apiClientWith(kubeConfig, apiClass, { ...options, bucket });
}
