import * as net from "node:net";
import type { Transport } from "@connectrpc/connect";
import { Http2SessionManager, createGrpcTransport } from "@connectrpc/connect-node";

/** A gRPC transport over one unix socket, and the means to close its HTTP/2 connection. */
export interface CriTransport {
  transport: Transport;
  /** Closes the connection now; a later call opens a new one. */
  close(): void;
}

/**
 * Creates a gRPC (HTTP/2, cleartext) transport to a CRI runtime's unix socket. The `:authority`
 * is `localhost`; runtimes do not look at it. An idle connection does not keep Node running.
 */
export function createCriTransport(socketPath: string): CriTransport {
  const baseUrl = "http://localhost";
  const sessionManager = new Http2SessionManager(baseUrl, {}, { createConnection: () => net.connect(socketPath) });
  const transport = createGrpcTransport({ baseUrl, sessionManager });
  return { transport, close: () => sessionManager.abort() };
}
