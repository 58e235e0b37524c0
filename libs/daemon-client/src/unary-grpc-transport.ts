// The manager's transport to a daemon: unary calls (all the manager makes) written straight onto
// the pooled HTTP/2 session, without Connect's per-call web-stream and async-iterable pipelines,
// which cost the manager more CPU than the daemon's answer takes to arrive. The call's meaning is
// Connect's own: its signal and deadline handling (runUnaryCall), request headers, size limits,
// response validation and error decoding; streaming calls go through Connect's gRPC transport.
import http2 from "node:http2";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type Transport } from "@connectrpc/connect";
import { createMethodSerializationLookup, runUnaryCall } from "@connectrpc/connect/protocol";
import { findTrailerError, requestHeader, validateResponseWithCompression, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import type { Http2SessionManager } from "@connectrpc/connect-node";

/** Options of {@link createUnaryGrpcTransport}. */
export interface UnaryGrpcTransportOptions {
  /** The pooled connection to the daemon (shared with `streaming`). */
  sessions: Http2SessionManager;
  /** A deadline for every call without its own; undefined for none. */
  defaultTimeoutMs?: number;
  /** The largest answer read; over it, ResourceExhausted. */
  readMaxBytes: number;
  /** Connect's gRPC transport on the same sessions, for streaming calls. */
  streaming: Transport;
}

const envelopeHeaderBytes = 5;
const compressedFlag = 0b00000001;

/** An RST_STREAM code as Connect's node client maps it; undefined for NO_ERROR and STREAM_CLOSED. */
function errorFromResetCode(rstCode: number): ConnectError | undefined {
  const c = http2.constants;
  const code: Code | undefined = {
    [c.NGHTTP2_PROTOCOL_ERROR]: Code.Internal,
    [c.NGHTTP2_INTERNAL_ERROR]: Code.Internal,
    [c.NGHTTP2_FLOW_CONTROL_ERROR]: Code.Internal,
    [c.NGHTTP2_SETTINGS_TIMEOUT]: Code.Internal,
    [c.NGHTTP2_FRAME_SIZE_ERROR]: Code.Internal,
    [c.NGHTTP2_COMPRESSION_ERROR]: Code.Internal,
    [c.NGHTTP2_CONNECT_ERROR]: Code.Internal,
    [c.NGHTTP2_REFUSED_STREAM]: Code.Unavailable,
    [c.NGHTTP2_CANCEL]: Code.Canceled,
    [c.NGHTTP2_ENHANCE_YOUR_CALM]: Code.ResourceExhausted,
    [c.NGHTTP2_INADEQUATE_SECURITY]: Code.PermissionDenied,
    [c.NGHTTP2_HTTP_1_1_REQUIRED]: Code.PermissionDenied,
  }[rstCode];
  return code === undefined ? undefined : new ConnectError(`http/2 stream closed with error code 0x${rstCode.toString(16)}`, code);
}

/** A node error as Connect's node client reports it (a refused or lost connection is Unavailable or Aborted). */
function errorFromNode(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const codes: string[] = [];
  for (let e: unknown = reason; e instanceof Error && codes.length < 8; e = (e as Error).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
  }
  const code = codes.some((c) => c === "ERR_STREAM_DESTROYED" || c === "ERR_HTTP2_INVALID_STREAM" || c === "ECONNRESET" || c === "ERR_STREAM_WRITE_AFTER_END")
    ? Code.Aborted
    : codes.some((c) => c === "ETIMEDOUT" || c === "ENOTFOUND" || c === "EAI_AGAIN" || c === "ECONNREFUSED" || c === "ENOENT")
      ? Code.Unavailable
      : Code.Internal;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}

function webHeaders(headers: http2.IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, String(value));
  }
  return out;
}

/**
 * A Connect Transport for a daemon's unary gRPC calls (`application/grpc+proto`, uncompressed both
 * ways: a compressed answer is refused, as the manager accepts none), on a pooled HTTP/2 session.
 *
 * @example
 * const sessions = new Http2SessionManager("http://localhost", {}, { createConnection: () => net.connect(path) });
 * const streaming = createGrpcTransport({ baseUrl: "http://localhost", sessionManager: sessions });
 * const daemon = createClient(ChaosDaemon, createUnaryGrpcTransport({ sessions, readMaxBytes: 4 << 20, streaming }));
 */
export function createUnaryGrpcTransport(options: UnaryGrpcTransportOptions): Transport {
  const { sessions, readMaxBytes } = options;
  const serializers = new Map<DescMethodUnary, ReturnType<typeof createMethodSerializationLookup>>();
  const serializationOf = (method: DescMethodUnary) => {
    let s = serializers.get(method);
    if (s === undefined) {
      s = createMethodSerializationLookup(method, undefined, undefined, { readMaxBytes, writeMaxBytes: 0xffffffff });
      serializers.set(method, s);
    }
    return s;
  };
  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const serialization = serializationOf(method as DescMethodUnary);
      const deadlineMs = timeoutMs === undefined ? options.defaultTimeoutMs : timeoutMs <= 0 ? undefined : timeoutMs;
      const path = `/${method.parent.typeName}/${method.name}`;
      return runUnaryCall({
        interceptors: [],
        signal,
        timeoutMs: deadlineMs,
        req: {
          stream: false,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: `${sessions.authority}${path}`,
          header: requestHeader(true, deadlineMs, header),
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: async (req) => {
          const data = serialization.getI(true).serialize(req.message);
          const envelope = Buffer.allocUnsafe(envelopeHeaderBytes + data.length);
          envelope[0] = 0;
          envelope.writeUInt32BE(data.length, 1);
          envelope.set(data, envelopeHeaderBytes);
          const nodeHeaders: http2.OutgoingHttpHeaders = {};
          req.header.forEach((value, name) => (nodeHeaders[name] = value));
          if (req.signal.aborted) throw req.signal.reason;
          const stream = await sessions.request("POST", path, nodeHeaders, {}).catch((e: unknown) => Promise.reject(errorFromNode(e)));
          return new Promise((resolve, reject) => {
            let settled = false;
            const fail = (error: ConnectError) => {
              if (settled) return;
              settled = true;
              req.signal.removeEventListener("abort", onAbort);
              // gRPC maps a cancelled call to RST_STREAM CANCEL; anything else INTERNAL_ERROR
              if (!stream.closed) stream.close(error.code === Code.Canceled ? http2.constants.NGHTTP2_CANCEL : http2.constants.NGHTTP2_INTERNAL_ERROR);
              stream.destroy();
              reject(error);
            };
            const onAbort = () => fail(ConnectError.from(req.signal.reason, Code.Canceled));
            req.signal.addEventListener("abort", onAbort);
            let status = 0;
            let responseHeader: Headers | undefined;
            let compressed = false;
            const trailer = new Headers();
            const chunks: Buffer[] = [];
            let received = 0;
            let declared = -1;
            stream.once("response", (h) => {
              status = Number(h[":status"] ?? 0);
              responseHeader = webHeaders(h);
              try {
                compressed = validateResponseWithCompression([], status, responseHeader).compression !== undefined;
              } catch (error) {
                fail(ConnectError.from(error));
              }
            });
            stream.on("data", (chunk: Buffer) => {
              sessions.notifyResponseByteRead(stream);
              if (settled) return;
              received += chunk.length;
              chunks.push(chunk);
              if (declared < 0 && received >= envelopeHeaderBytes) {
                declared = (chunks.length === 1 ? chunk : Buffer.concat(chunks)).readUInt32BE(1);
                if (declared > readMaxBytes) {
                  return fail(new ConnectError(`message size ${declared} is larger than configured readMaxBytes ${readMaxBytes}`, Code.ResourceExhausted));
                }
              }
              if (declared >= 0 && received > envelopeHeaderBytes + declared) {
                fail(new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented));
              }
            });
            stream.on("trailers", (t) => webHeaders(t).forEach((value, name) => trailer.set(name, value)));
            stream.on("error", (e) => {
              if (stream.writableEnded && (e as { code?: unknown }).code === "ERR_STREAM_WRITE_AFTER_END") return;
              fail(errorFromNode(e));
            });
            stream.once("close", () => {
              if (settled) return;
              const reset = errorFromResetCode(stream.rstCode ?? 0);
              if (reset !== undefined) return fail(reset);
              if (responseHeader === undefined) {
                return fail(new ConnectError(`http/2 stream closed with error code 0x${(stream.rstCode ?? 0).toString(16)} before the response was received`, Code.Internal));
              }
              try {
                const headerError = findTrailerError(responseHeader);
                if (received > 0 && received < envelopeHeaderBytes + Math.max(declared, 0)) {
                  throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
                }
                validateTrailer(trailer, responseHeader);
                if (received === 0) {
                  // trailers-only response
                  if (headerError) throw headerError;
                  throw new ConnectError("protocol error: missing output message for unary method", trailer.has("grpc-status") ? Code.Unimplemented : Code.Unknown);
                }
                if (headerError) throw new ConnectError("protocol error: received output message for unary method with error status", Code.Unknown);
                const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
                if (compressed || (body[0]! & compressedFlag) === compressedFlag) {
                  throw new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal);
                }
                const message = serialization.getO(true).parse(body.subarray(envelopeHeaderBytes));
                settled = true;
                req.signal.removeEventListener("abort", onAbort);
                resolve({ stream: false, service: method.parent, method, header: responseHeader, message, trailer } as never);
              } catch (error) {
                fail(ConnectError.from(error));
              }
            });
            stream.end(envelope);
          });
        },
      });
    },
    stream: (...args) => options.streaming.stream(...args),
  };
}
