import type { connectNodeAdapter } from "@connectrpc/connect-node";

/** A Connect node adapter's fallback handler (its type is not exported by name). */
type FallbackHandler = NonNullable<Parameters<typeof connectNodeAdapter>[0]["fallback"]>;

/**
 * What the daemon answers for a path no handler serves: a gRPC "Trailers-Only" response (HTTP 200,
 * `content-type: application/grpc`, `grpc-status: 12` Unimplemented naming the method, END_STREAM
 * on the one HEADERS frame), as grpc-go servers do. Connect's default is a bare HTTP 404, which
 * grpc-go clients (Chaos Mesh's manager among them) report as "malformed header: missing HTTP
 * content-type" instead of Unimplemented.
 */
export const grpcUnimplementedFallback: FallbackHandler = (req, res) => {
  const path = (req.url ?? "").split("?", 1)[0] ?? "";
  const message = `method ${path || "(none)"} is not implemented by this daemon`;
  const headers = {
    ":status": 200,
    "content-type": "application/grpc",
    "grpc-status": "12",
    // grpc-message is percent-encoded on the wire (gRPC over HTTP/2, "Responses")
    "grpc-message": encodeURIComponent(message),
  };
  if ("stream" in req && !req.stream.headersSent && !req.stream.destroyed) {
    req.stream.respond(headers, { endStream: true });
    return;
  }
  // HTTP/1.1 (not gRPC): the same status in ordinary headers.
  const { [":status"]: status, ...rest } = headers;
  res.writeHead(status, rest);
  res.end();
};
