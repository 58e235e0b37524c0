import { statSync } from "node:fs";
import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

type Dispatcher = NonNullable<ReturnType<RequestContext["getDispatcher"]>>;

/**
 * A KubeConfig whose API requests share one connection pool per API server and TLS identity.
 *
 * client-node (2.0.1) answers every request's `applySecurityAuthentication` with a **new** undici
 * Agent, that is a new connection pool: each request opens its own TLS connection (handshake, a
 * fresh OpenSSL context from the CA, certificate and key) and leaves it open for undici's keep-alive
 * time. Measured against the local cluster, 3000 sequential list requests kept 107–141 sockets
 * open, took 37 ms each and left the process at 383 MiB RSS; with one shared pool: 1 socket, 13 ms,
 * 256 MiB. In the manager this was most of the native (outside the JS heap) memory growth of the
 * soak benchmark (tools/bench/manager-soak-chart.mjs).
 *
 * Here the first Agent made for an identity is kept and every later request uses it, as client-go
 * keeps one transport per TLS configuration. The identity is the cluster (server, CA, TLS name,
 * skip-verify) and the user's client certificate and key, files included by path and modification
 * time, so a rotated certificate file gets a pool of its own. Bearer tokens are headers, refreshed
 * per request as before. Every API client made from it (`makeApiClient`, `makeRateLimitedApiClient`,
 * `Watch`) shares the pools.
 *
 * @example
 * const kubeConfig = new SharedConnectionKubeConfig();
 * kubeConfig.loadFromDefault();
 * const core = kubeConfig.makeApiClient(CoreV1Api); // one TLS connection, reused
 */
export class SharedConnectionKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, Dispatcher>();

  /** A copy of `kubeConfig` (clusters, users, contexts, current context) that shares connections. */
  static from(kubeConfig: KubeConfig): SharedConnectionKubeConfig {
    const copy = new SharedConnectionKubeConfig();
    copy.loadFromOptions({
      clusters: kubeConfig.clusters,
      users: kubeConfig.users,
      contexts: kubeConfig.contexts,
      currentContext: kubeConfig.currentContext,
    });
    return copy;
  }

  /** How many connection pools it holds (one per API server and TLS identity used so far). */
  get connectionPools(): number {
    return this.dispatchers.size;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const made = context.getDispatcher();
    if (made === undefined) return; // plain HTTP, no TLS options: fetch's global pool already
    const key = this.identity();
    const shared = this.dispatchers.get(key);
    if (shared === undefined) {
      this.dispatchers.set(key, made);
      return;
    }
    // the Agent just made has no connection yet: dropping it costs nothing
    context.setDispatcher(shared);
  }

  private identity(): string {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    const file = (path: string | undefined) => {
      if (path === undefined) return undefined;
      try {
        return `${path}@${statSync(path).mtimeMs}`;
      } catch {
        return path; // unreadable: client-node's own read fails the request
      }
    };
    return JSON.stringify([
      cluster?.name,
      cluster?.server,
      cluster?.caData,
      file(cluster?.caFile),
      cluster?.tlsServerName,
      cluster?.skipTLSVerify,
      cluster?.proxyUrl,
      user?.name,
      user?.certData,
      file(user?.certFile),
      user?.keyData,
      file(user?.keyFile),
    ]);
  }
}
