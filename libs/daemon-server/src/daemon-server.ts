import http2 from "node:http2";
import { rmSync, existsSync, statSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import type { Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "winston";
import type { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { grpcUnimplementedFallback } from "./grpc-unimplemented-fallback.js";
import { requestInterceptor } from "./request-interceptor.js";

/** PEM material for mutual TLS: the daemon's own certificate and the CA its clients must chain to. */
export interface DaemonTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** Client certificates must be signed by this CA; clients without one are refused. */
  ca: string | Buffer;
}

/** Where the daemon listens: a TCP port, or a unix socket for local use. */
export type DaemonListenAddress = { port: number; host?: string } | { socketPath: string };

/** Options for {@link createDaemonServer}. */
export interface DaemonServerOptions {
  handlers: DaemonHandlerRegistry;
  logger: Logger;
  /** Outer interceptors (metrics, ...), applied before the request logger. */
  interceptors?: Interceptor[];
  /** Mutual TLS; plaintext h2c without it. */
  tls?: DaemonTlsOptions;
}

/** A running (or ready to run) ChaosDaemon gRPC server. */
export interface DaemonServer {
  /** Starts listening; rejects with a clear message when the port is in use or the socket path is taken. */
  listen(address: DaemonListenAddress): Promise<string>;
  /** Stops accepting calls, lets calls in flight finish for up to graceMs, then closes connections. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The ChaosDaemon gRPC server: every registered handler, behind the request logger and the given
 * interceptors, over HTTP/2 (mutual TLS when `tls` is set).
 *
 * @example
 * const server = createDaemonServer({ handlers: registry, logger });
 * await server.listen({ port: 31767 });
 * process.on("SIGTERM", () => void server.close());
 */
export function createDaemonServer(options: DaemonServerOptions): DaemonServer {
  const handler = connectNodeAdapter({
    routes: (router) => options.handlers.routes(router),
    grpc: true,
    connect: false,
    grpcWeb: false,
    fallback: grpcUnimplementedFallback,
    interceptors: [...(options.interceptors ?? []), requestInterceptor(options.logger)],
  });
  const server = options.tls
    ? http2.createSecureServer(
        { cert: options.tls.cert, key: options.tls.key, ca: options.tls.ca, requestCert: true, rejectUnauthorized: true },
        handler,
      )
    : http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  let socketPath: string | undefined;

  return {
    listen(address) {
      return new Promise((resolve, reject) => {
        const onError = (err: NodeJS.ErrnoException) => {
          const where = "socketPath" in address ? `unix socket ${address.socketPath}` : `port ${address.port}`;
          reject(
            new Error(
              err.code === "EADDRINUSE"
                ? `cannot listen on ${where}: it is in use (is another daemon running?)`
                : `cannot listen on ${where}: ${err.message}`,
            ),
          );
        };
        server.once("error", onError);
        const onListening = () => {
          server.off("error", onError);
          // once listening, an error (a failed accept: EMFILE, ENFILE) ends one connection, not the
          // server, which goes on listening; unheard, it would be an uncaught exception
          server.on("error", (err: NodeJS.ErrnoException) =>
            options.logger.error("gRPC server error; serving on", { error: err.message, ...(err.code !== undefined && { cause: err.code }) }),
          );
          const bound = server.address();
          resolve(typeof bound === "string" ? bound : `${(bound as AddressInfo).address}:${(bound as AddressInfo).port}`);
        };
        if ("socketPath" in address) {
          const path = address.socketPath;
          const bind = () => {
            socketPath = path;
            server.listen(path, onListening);
          };
          if (!(existsSync(path) && statSync(path).isSocket())) return bind();
          // a socket file is there: in use if something answers on it, else a stale one from a
          // previous run, which would make listen fail (only ever remove sockets, never files)
          const probe = net.connect(path);
          probe.once("connect", () => {
            probe.destroy();
            onError(Object.assign(new Error("in use"), { code: "EADDRINUSE" }));
          });
          probe.once("error", () => {
            rmSync(path, { force: true });
            bind();
          });
        } else {
          server.listen(address.port, address.host, onListening);
        }
      });
    },
    close(graceMs = 10_000) {
      return new Promise((resolve) => {
        if (!server.listening) return resolve();
        const timer = setTimeout(() => {
          for (const s of sessions) s.destroy();
        }, graceMs);
        server.close(() => {
          clearTimeout(timer);
          if (socketPath !== undefined) rmSync(socketPath, { force: true });
          resolve();
        });
        // GOAWAY: no new streams, in-flight ones finish
        for (const s of sessions) s.close();
      });
    },
  };
}
