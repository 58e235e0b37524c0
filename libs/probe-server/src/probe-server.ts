import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** Options of {@link createProbeServer}. */
export interface ProbeServerOptions {
  /** Served at /metrics in the Prometheus text format. */
  metrics: Registry;
  /** /healthz: 200 while this returns true (the process works), 503 otherwise. Default always. */
  healthy?: () => boolean;
  /** /readyz: 200 while this returns true (ready to do its job), 503 otherwise. Default always. */
  ready?: () => boolean;
}

/** The HTTP server of a controller's probes and metrics. */
export interface ProbeServer {
  /** Listens; resolves with the port (useful with port 0); rejects clearly when the port is in use. */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * `/healthz`, `/readyz` and `/metrics` for a controller process, as Kubernetes probes and
 * Prometheus expect them.
 *
 * @example
 * const probes = createProbeServer({ metrics: registry, ready: () => watch.hasSynced });
 * await probes.listen(10080);
 */
export function createProbeServer(options: ProbeServerOptions): ProbeServer {
  const check = (res: http.ServerResponse, ok: boolean) =>
    res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok\n" : "not ok\n");
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") res.writeHead(405, { allow: "GET, HEAD" }).end();
    else if (path === "/healthz") check(res, options.healthy?.() ?? true);
    else if (path === "/readyz") check(res, options.ready?.() ?? true);
    else if (path === "/metrics") {
      options.metrics.metrics().then(
        (text) => res.writeHead(200, { "content-type": options.metrics.contentType }).end(text),
        (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`),
      );
    } else res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  return {
    listen(port, host) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) =>
          reject(new Error(`cannot listen on HTTP port ${port}: ${err.code === "EADDRINUSE" ? "it is in use" : err.message}`));
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
