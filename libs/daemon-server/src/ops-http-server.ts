import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** Options for {@link createOpsHttpServer}. */
export interface OpsHttpServerOptions {
  /** Served at /metrics in the Prometheus text format. */
  metrics: Registry;
  /** /healthz answers 200 while this returns true, 503 otherwise; default always healthy. */
  healthy?: () => boolean;
}

/** The daemon's HTTP side: /healthz for probes and /metrics for Prometheus. */
export interface OpsHttpServer {
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * The HTTP server for health probes and metrics (Chaos Mesh serves them on port 31766).
 *
 * @example
 * const ops = createOpsHttpServer({ metrics: registry });
 * await ops.listen(31766);
 */
export function createOpsHttpServer(options: OpsHttpServerOptions): OpsHttpServer {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
    } else if (path === "/healthz") {
      const ok = options.healthy?.() ?? true;
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "unhealthy\n");
    } else if (path === "/metrics") {
      options.metrics.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) =>
          reject(
            new Error(
              err.code === "EADDRINUSE"
                ? `cannot listen on HTTP port ${port}: it is in use`
                : `cannot listen on HTTP port ${port}: ${err.message}`,
            ),
          );
        server.once("error", onError);
        server.listen(port, host, () => {
          server.off("error", onError);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}
