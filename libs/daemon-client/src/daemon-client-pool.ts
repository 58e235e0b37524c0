import * as net from "node:net";
import * as tls from "node:tls";
import { type Client, createClient, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ChaosDaemon, namespacedNameHeader } from "@faultline/api";
import { type DaemonAddress, formatDaemonAddress } from "./daemon-address.js";
import type { DaemonLocator } from "./daemon-locator.js";

/** A ChaosDaemon client (Connect, gRPC protocol). */
export type ChaosDaemonClient = Client<typeof ChaosDaemon>;

/** The server name the manager verifies in the daemon's certificate, as in Chaos Mesh's chart. */
export const daemonServerName = "chaos-daemon.chaos-mesh.org";

/** Mutual TLS towards the daemons: the chart's CA, and the manager's client certificate. */
export interface DaemonClientTls {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
  /** The name verified in the daemon's certificate; defaults to `chaos-daemon.chaos-mesh.org`. */
  serverName?: string;
}

/** Options of {@link createDaemonClientPool}. */
export interface DaemonClientPoolOptions {
  locator: DaemonLocator;
  /** Without it, daemons are reached in cleartext (local runs only). */
  tls?: DaemonClientTls;
  /** A deadline for every call; default 30 s. */
  defaultTimeoutMs?: number;
}

/** ChaosDaemon clients for nodes, sharing one HTTP/2 connection per daemon address. */
export interface DaemonClientPool {
  /**
   * A client for the daemon on `nodeName`; every call it makes carries `namespaced-name: <ns>/<name>`.
   * Rejects with DaemonNotFoundError when the node has no daemon.
   */
  clientFor(nodeName: string, namespacedName: string): Promise<ChaosDaemonClient>;
  /** How many daemon addresses have an open transport. */
  size(): number;
  /** Closes every connection; later calls open new ones. */
  close(): void;
}

/**
 * Creates the pool the record decoders use to reach daemons. The locator is asked on every
 * `clientFor` (the EndpointSlice locator caches), so a daemon that moves is followed; transports
 * are kept per address.
 *
 * @example
 * const pool = createDaemonClientPool({ locator: createStaticDaemonLocator("127.0.0.1:31767") });
 * const daemon = await pool.clientFor("node-1", "default/hello");
 * await daemon.execHelloWorldChaos({ containerId });
 */
export function createDaemonClientPool(options: DaemonClientPoolOptions): DaemonClientPool {
  const transports = new Map<string, { transport: Transport; sessions: Http2SessionManager }>();

  const transportFor = (address: DaemonAddress): Transport => {
    const key = formatDaemonAddress(address);
    let entry = transports.get(key);
    if (!entry) {
      entry = openTransport(address, options);
      transports.set(key, entry);
    }
    return entry.transport;
  };

  return {
    async clientFor(nodeName, namespacedName) {
      const address = await options.locator.locate(nodeName);
      return createClient(ChaosDaemon, withHeader(transportFor(address), namespacedNameHeader, namespacedName));
    },
    size: () => transports.size,
    close() {
      for (const { sessions } of transports.values()) sessions.abort();
      transports.clear();
    },
  };
}

/** The largest answer the manager reads from a daemon (Connect's default is 4 GiB); over it, ResourceExhausted. */
export const daemonResponseMaxBytes = 4 * 1024 * 1024;

function openTransport(address: DaemonAddress, options: DaemonClientPoolOptions) {
  const secure = options.tls !== undefined;
  const tlsOptions = options.tls && {
    ca: options.tls.ca,
    cert: options.tls.cert,
    key: options.tls.key,
    servername: options.tls.serverName ?? daemonServerName,
  };
  // The URL's authority is what the daemon sees; for unix sockets the connection is made by hand.
  const baseUrl = `${secure ? "https" : "http"}://${
    address.kind === "unix" ? "localhost" : formatDaemonAddress(address)
  }`;
  const sessionOptions =
    address.kind === "unix"
      ? {
          ...tlsOptions,
          createConnection: () =>
            tlsOptions ? tls.connect({ ...tlsOptions, path: address.path, ALPNProtocols: ["h2"] }) : net.connect(address.path),
        }
      : { ...tlsOptions };
  const sessions = new Http2SessionManager(baseUrl, {}, sessionOptions);
  const transport = createGrpcTransport({
    baseUrl,
    sessionManager: sessions,
    defaultTimeoutMs: options.defaultTimeoutMs ?? 30_000,
    // a daemon's answers are small; a node whose daemon is compromised cannot exhaust the manager,
    // neither with a large answer nor with a compressed one (none is accepted)
    readMaxBytes: daemonResponseMaxBytes,
    acceptCompression: [],
  });
  return { transport, sessions };
}

/** A transport that adds one request header to every call made through it. */
export function withHeader(transport: Transport, name: string, value: string): Transport {
  const headers = (init: ConstructorParameters<typeof Headers>[0]) => {
    const h = new Headers(init);
    h.set(name, value);
    return h;
  };
  return {
    unary: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.unary(method, signal, timeoutMs, headers(header), input, contextValues),
    stream: (method, signal, timeoutMs, header, input, contextValues) =>
      transport.stream(method, signal, timeoutMs, headers(header), input, contextValues),
  };
}
