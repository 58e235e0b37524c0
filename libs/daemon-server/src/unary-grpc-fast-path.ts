// The daemon's path for plain unary gRPC calls (every RPC a manager makes): the same interceptors,
// handlers, limits and wire answers as Connect's node adapter, without its per-call machinery
// (web-stream adapters, async-iterable pipelines, two AbortSignals and DOMExceptions per call),
// which cost more CPU than the daemon's own work. Anything it does not handle by itself — another
// content type, a compressed request, an invalid grpc-timeout, a streaming RPC, an unknown path —
// goes to Connect's adapter unchanged, before any of the body is read.
import type http2 from "node:http2";
import type { DescMethodUnary } from "@bufbuild/protobuf";
import { Code, ConnectError, createHandlerContext, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import {
  compressionNegotiate,
  createMethodSerializationLookup,
  envelopeCompress,
  invokeUnaryImplementation,
  validateUniversalHandlerOptions,
} from "@connectrpc/connect/protocol";
import type { Compression } from "@connectrpc/connect/protocol";
import { contentTypeProto, grpcStatusOk, parseContentType, parseTimeout, setTrailerStatus } from "@connectrpc/connect/protocol-grpc";

/** A node request handler, as http2.createServer takes it. */
export type NodeRequestHandler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;

/** One unary RPC the fast path serves: its descriptor and its implementation. */
export interface UnaryMethodImpl {
  method: DescMethodUnary;
  impl: (request: never, context: HandlerContext) => unknown;
}

/** Options of {@link unaryGrpcFastPath}. */
export interface UnaryGrpcFastPathOptions {
  /** The unary RPCs to serve; requests for any other path go to `fallback`. */
  methods: readonly UnaryMethodImpl[];
  /** Applied as Connect applies them (the first is the outermost). */
  interceptors: Interceptor[];
  /** The largest message read (its envelope's declared length), as Connect's `readMaxBytes`. */
  readMaxBytes: number;
  /** Compressions for answers (a compressed request goes to `fallback`). */
  acceptCompression: Compression[];
  /** Connect's adapter, for everything the fast path does not serve itself. */
  fallback: NodeRequestHandler;
}

// node's request headers are lower case (Connect's constants are not)
const headerContentType = "content-type";
const headerEncoding = "grpc-encoding";
const headerAcceptEncoding = "grpc-accept-encoding";
const headerTimeout = "grpc-timeout";
const headerGrpcStatus = "grpc-status";
const envelopeHeaderBytes = 5;
const compressedFlag = 0b00000001;
/** The reason a finished call's context signal carries (a fixed one: no DOMException per call). */
const callEnded = new ConnectError("the call has ended", Code.Canceled);

/**
 * A node request handler that serves unary gRPC calls (`application/grpc` or
 * `application/grpc+proto`, uncompressed request) itself and hands everything else to `fallback`.
 * It reuses Connect's own pieces for what a call means — its HandlerContext, its interceptor and
 * implementation invocation, its (de)serialization and size limits, its compression negotiation
 * and its trailer status encoding — so handlers, interceptors and clients see the same call.
 *
 * @example
 * const handler = unaryGrpcFastPath({ methods, interceptors, readMaxBytes, acceptCompression, fallback: connectNodeAdapter(...) });
 * http2.createServer(handler);
 */
export function unaryGrpcFastPath(options: UnaryGrpcFastPathOptions): NodeRequestHandler {
  const opt = validateUniversalHandlerOptions({ readMaxBytes: options.readMaxBytes, acceptCompression: options.acceptCompression });
  const byPath = new Map(
    options.methods.map((m) => [
      `/${m.method.parent.typeName}/${m.method.name}`,
      {
        spec: { kind: "unary" as const, method: m.method, impl: m.impl } as Parameters<typeof invokeUnaryImplementation>[0],
        serialization: createMethodSerializationLookup(m.method, opt.binaryOptions, opt.jsonOptions, opt),
      },
    ]),
  );

  return (req, res) => {
    const headers = req.headers;
    const target = req.method === "POST" ? byPath.get(headers[":path"] ?? "") : undefined;
    const contentType = headers[headerContentType];
    const type = parseContentType(typeof contentType === "string" ? contentType : null);
    const encoding = headers[headerEncoding];
    if (target === undefined || type === undefined || !type.binary || (encoding !== undefined && encoding !== "identity")) {
      return options.fallback(req, res);
    }
    const timeout = parseTimeout((headers[headerTimeout] as string | undefined) ?? null, opt.maxTimeoutMs);
    if (timeout.error !== undefined) return options.fallback(req, res);
    const accepted = headers[headerAcceptEncoding];
    const compression = compressionNegotiate(opt.acceptCompression, null, typeof accepted === "string" ? accepted : null, headerAcceptEncoding);

    const requestHeader = new Headers();
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith(":") || value === undefined) continue;
      requestHeader.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const context = createHandlerContext({
      service: target.spec.method.parent,
      method: target.spec.method,
      protocolName: "grpc",
      requestMethod: "POST",
      url: `http://${headers[":authority"] ?? "localhost"}${headers[":path"]}`,
      requestHeader,
      responseHeader: { [headerContentType]: contentTypeProto },
      responseTrailer: { [headerGrpcStatus]: grpcStatusOk },
      ...(timeout.timeoutMs !== undefined && { timeoutMs: timeout.timeoutMs }),
    });
    if (compression.response) context.responseHeader.set(headerEncoding, compression.response.name);

    let done = false;
    // the client went away (RST_STREAM, connection lost) before the answer: the handler's signal says so
    req.once("close", () => {
      if (!done) {
        done = true;
        context.abort(new ConnectError(`the client closed the call (HTTP/2 stream closed, code ${req.stream.rstCode ?? 0})`, Code.Canceled));
      }
    });
    const answer = (body: Uint8Array | undefined, error: ConnectError | undefined) => {
      if (done) return;
      done = true;
      if (error !== undefined) setTrailerStatus(context.responseTrailer, error);
      context.abort(callEnded);
      if (res.stream.destroyed) return;
      res.writeHead(200, headersObject(context.responseHeader));
      res.addTrailers(headersObject(context.responseTrailer));
      if (body === undefined) res.end();
      else res.end(body);
    };
    const fail = (error: unknown) =>
      answer(undefined, error instanceof ConnectError ? error : new ConnectError("internal error", Code.Internal, undefined, undefined, error));

    const chunks: Buffer[] = [];
    let received = 0;
    let declared = -1;
    let extra = false;
    req.on("data", (chunk: Buffer) => {
      if (done || extra) return;
      received += chunk.length;
      chunks.push(chunk);
      if (declared < 0 && received >= envelopeHeaderBytes) {
        const head = chunks.length === 1 ? chunk : Buffer.concat(chunks);
        declared = head.readUInt32BE(1);
        if (declared > opt.readMaxBytes) {
          // refused from its declared length: the rest is never buffered
          chunks.length = 0;
          return fail(new ConnectError(`message size ${declared} is larger than configured readMaxBytes ${opt.readMaxBytes}`, Code.ResourceExhausted));
        }
      }
      if (declared >= 0 && received > envelopeHeaderBytes + declared) {
        extra = true; // a second message: refused at the end, not buffered
        chunks.length = 0;
      }
    });
    req.once("error", () => undefined); // the "close" above tells the handler
    req.once("end", () => {
      if (done) return;
      if (extra) return fail(new ConnectError("protocol error: received extra input message for unary method", Code.Unimplemented));
      if (received === 0) return fail(new ConnectError("protocol error: missing input message for unary method", Code.Unimplemented));
      if (received < envelopeHeaderBytes || received < envelopeHeaderBytes + declared) {
        return fail(new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument));
      }
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if ((body[0]! & compressedFlag) === compressedFlag) {
        return fail(new ConnectError("received compressed envelope, but do not know how to decompress", Code.Internal));
      }
      void (async () => {
        const input = target.serialization.getI(true).parse(body.subarray(envelopeHeaderBytes));
        const output = await invokeUnaryImplementation(target.spec, context, input, options.interceptors);
        const data = target.serialization.getO(true).serialize(output);
        const envelope = await envelopeCompress({ flags: 0, data }, compression.response, opt.compressMinBytes);
        const bytes = Buffer.allocUnsafe(envelopeHeaderBytes + envelope.data.length);
        bytes[0] = envelope.flags;
        bytes.writeUInt32BE(envelope.data.length, 1);
        bytes.set(envelope.data, envelopeHeaderBytes);
        answer(bytes, undefined);
      })().catch(fail);
    });
  };
}

function headersObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}
