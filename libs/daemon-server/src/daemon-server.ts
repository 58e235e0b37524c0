import http2 from "node:http2";
import { rmSync, existsSync, statSync } from "node:fs";
import net, { type AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { Code, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "winston";
import type { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { grpcUnimplementedFallback } from "./grpc-unimplemented-fallback.js";
import { boundedGzip, maxRequestBytes } from "./request-bounds.js";
import { requestInterceptor } from "./request-interceptor.js";
import { unaryGrpcFastPath } from "./unary-grpc-fast-path.js";

/** PEM material for mutual TLS: the daemon's own certificate and the CA its clients must chain to. */
export interface DaemonTlsOptions {
  cert: string | Buffer;
  key: string | Buffer;
  /** Client certificates must be signed by this CA; clients without one are refused. */
  ca: string | Buffer;
  /**
   * The identities a client certificate must carry, one of them as its subject CN or as a DNS or
   * URI subjectAltName (the chart's manager certificate: CN `faultline-manager`). Any other
   * certificate from the same CA (the daemon's own, mounted on every node) gets PermissionDenied
   * on every call, and one log line.
   */
  clientNames: readonly string[];
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
  const interceptors = [...(options.interceptors ?? []), requestInterceptor(options.logger)];
  const connectHandler = connectNodeAdapter({
    routes: (router) => options.handlers.routes(router),
    grpc: true,
    connect: false,
    grpcWeb: false,
    fallback: grpcUnimplementedFallback,
    interceptors,
    // a message over this (after decompression, so a small compressed bomb too) is refused with
    // ResourceExhausted before it is decoded; Connect's default is 4 GiB
    readMaxBytes: maxRequestBytes,
    // gzip only (gRPC's own; what Go clients send), decompressed at most up to readMaxBytes
    acceptCompression: [boundedGzip],
  });
  // plain unary calls (all a manager makes) skip Connect's per-call machinery, same limits and
  // answers; anything else (a gzip request, an unknown path, ...) is Connect's as before
  const handler = unaryGrpcFastPath({
    methods: options.handlers.unaryMethods(),
    interceptors,
    readMaxBytes: maxRequestBytes,
    acceptCompression: [boundedGzip],
    fallback: connectHandler,
  });
  let server: http2.Http2Server | http2.Http2SecureServer;
  if (options.tls) {
    const tls = options.tls;
    if (tls.clientNames.length === 0 || tls.clientNames.some((n) => n.trim() === "")) {
      throw new Error("mutual TLS needs the client identities to accept (clientNames): none given");
    }
    const identity = clientIdentityCheck(tls.clientNames, options.logger);
    server = http2.createSecureServer(
      { cert: tls.cert, key: tls.key, ca: tls.ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const refusal = identity(req.stream.session);
        if (refusal === undefined) return void handler(req, res);
        // a trailers-only gRPC answer: the client sees PermissionDenied and why
        req.stream.respond(
          {
            ":status": 200,
            "content-type": "application/grpc+proto",
            "grpc-status": String(Code.PermissionDenied),
            "grpc-message": encodeURIComponent(refusal),
          },
          { endStream: true },
        );
      },
    );
  } else {
    server = http2.createServer(handler);
  }
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

/** Subject CN and DNS/URI subjectAltNames of a peer certificate. */
function certificateNames(socket: TLSSocket): { cn: string[]; san: string[] } {
  const cert = socket.getPeerCertificate();
  const cnField = (cert?.subject as unknown as Record<string, string | string[]> | undefined)?.["CN"];
  const cn = cnField === undefined ? [] : Array.isArray(cnField) ? cnField : [cnField];
  const san = (cert?.subjectaltname ?? "")
    .split(", ")
    .filter((entry) => entry.startsWith("DNS:") || entry.startsWith("URI:"))
    .map((entry) => entry.slice(entry.indexOf(":") + 1));
  return { cn, san };
}

/** Minimum time between two refusal log lines; the ones in between are counted in the next. */
const refusalLogIntervalMs = 1_000;

/**
 * The check of who the client is, once per HTTP/2 session (one TLS connection): undefined when its
 * certificate carries one of `clientNames`, else the reason, logged once per connection (at most
 * one line per second; the lines skipped are counted in the next).
 */
function clientIdentityCheck(clientNames: readonly string[], logger: Logger): (session: http2.Http2Session | undefined) => string | undefined {
  const accepted = new Set(clientNames);
  const verdicts = new WeakMap<http2.Http2Session, string | null>();
  let lastLog = -Infinity;
  let unlogged = 0;
  return (session) => {
    if (session === undefined) return "no TLS session";
    const known = verdicts.get(session);
    if (known !== undefined) return known ?? undefined;
    const socket = session.socket as TLSSocket;
    const { cn, san } = certificateNames(socket);
    if ([...cn, ...san].some((name) => accepted.has(name))) {
      verdicts.set(session, null);
      return undefined;
    }
    const shown = (names: string[]) => names.map((n) => JSON.stringify(n.slice(0, 64))).join(", ") || "none";
    const refusal =
      `client certificate (CN ${shown(cn)}, subjectAltNames ${shown(san)}) is not the manager's: ` +
      `this daemon accepts only ${[...accepted].map((n) => JSON.stringify(n)).join(", ")}`;
    verdicts.set(session, refusal);
    const now = performance.now();
    if (now - lastLog >= refusalLogIntervalMs) {
      logger.warn("refused a client: its certificate is not the manager's", {
        remoteAddress: socket.remoteAddress,
        cn: cn.map((n) => n.slice(0, 64)),
        subjectAltNames: san.slice(0, 8).map((n) => n.slice(0, 64)),
        accepted: [...accepted],
        ...(unlogged > 0 && { refusedSinceLastLine: unlogged }),
      });
      lastLog = now;
      unlogged = 0;
    } else {
      unlogged++;
    }
    return refusal;
  };
}
