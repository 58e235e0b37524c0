import http2 from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { ChaosDaemon, ContainerRequestSchema } from "@faultline/api";
import { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { boundedGzip } from "./request-bounds.js";
import { unaryGrpcFastPath } from "./unary-grpc-fast-path.js";

// Two real HTTP/2 servers on unix sockets with the same handlers and interceptors: one behind the
// fast path, one behind Connect's node adapter alone. Every request below, written byte by byte,
// must get the same answer from both (status, headers, trailers, body), and the fast path must
// have served it itself, not handed it to Connect.
describe("unaryGrpcFastPath", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-fast-path-"));
  const readMaxBytes = 1024;
  const seen: { timeoutMs?: number | undefined; signal: AbortSignal }[] = [];
  let releaseSlow: () => void = () => undefined;
  const handlers = new DaemonHandlerRegistry().register("test", {
    async containerGetPid(req, ctx: HandlerContext) {
      seen.push({ timeoutMs: ctx.timeoutMs(), signal: ctx.signal });
      if (req.containerId === "missing") {
        throw new ConnectError("container missing not found", Code.NotFound, { "x-why": "gone" });
      }
      if (req.containerId === "plain-error") throw new Error("a handler bug");
      if (req.containerId === "slow") await new Promise<void>((resolve) => (releaseSlow = resolve));
      ctx.responseHeader.set("x-note", "from the handler");
      ctx.responseTrailer.set("x-trailer", "also");
      return { pid: 4242 };
    },
  });
  const order: string[] = [];
  const interceptors: Interceptor[] = [
    (next) => async (req) => {
      order.push(`outer ${req.method.name} ${req.header.get("namespaced-name")}`);
      const res = await next(req);
      res.header.set("x-interceptor", "outer");
      return res;
    },
  ];
  const options = { readMaxBytes, acceptCompression: [boundedGzip], interceptors };
  let fallbacks = 0;
  const connect = connectNodeAdapter({ routes: (r) => handlers.routes(r), grpc: true, connect: false, grpcWeb: false, ...options });
  const fast = unaryGrpcFastPath({
    ...options,
    methods: handlers.unaryMethods(),
    fallback: (req, res) => {
      fallbacks++;
      connect(req, res);
    },
  });
  const servers: http2.Http2Server[] = [];
  const sockets = { fast: join(dir, "fast.sock"), connect: join(dir, "connect.sock") };

  beforeAll(async () => {
    for (const [name, handler] of [
      ["fast", fast],
      ["connect", connect],
    ] as const) {
      const server = http2.createServer(handler);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(sockets[name], resolve));
    }
  });

  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    fallbacks = 0;
    seen.length = 0;
    order.length = 0;
  });

  const envelope = (message: Uint8Array, flags = 0, declared = message.length) => {
    const head = Buffer.alloc(5);
    head.writeUInt8(flags, 0);
    head.writeUInt32BE(declared, 1);
    return Buffer.concat([head, message]);
  };
  const request = (containerId: string) => toBinary(ContainerRequestSchema, create(ContainerRequestSchema, { containerId }));

  /** One raw call: the answer's status, headers and trailers (no date) and body, as hex. */
  async function call(socket: string, body: Buffer, headers: http2.OutgoingHttpHeaders = {}, path = "/pb.ChaosDaemon/ContainerGetPid") {
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(socket) });
    try {
      return await new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...headers });
        const answer: Record<string, unknown> = {};
        const chunks: Buffer[] = [];
        stream.on("response", (h) => Object.assign(answer, { headers: { ...h, date: undefined } }));
        stream.on("trailers", (t) => Object.assign(answer, { trailers: { ...t } }));
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => resolve({ ...answer, body: Buffer.concat(chunks).toString("hex") }));
        stream.on("error", reject);
        stream.end(body);
      });
    } finally {
      session.close();
    }
  }
  const both = async (body: Buffer, headers: http2.OutgoingHttpHeaders = {}, path?: string) => {
    const viaConnect = await call(sockets.connect, body, headers, path);
    const viaFast = await call(sockets.fast, body, headers, path);
    return { viaFast, viaConnect };
  };

  it.each([
    ["a served call, with the handler's and the interceptor's headers and trailers", envelope(request("c1")), {}],
    ["a served call from a client that accepts gzip answers", envelope(request("c1")), { "grpc-accept-encoding": "gzip" }],
    ["a served call under a deadline", envelope(request("c1")), { "grpc-timeout": "5S" }],
    ["a handler's ConnectError, with its metadata", envelope(request("missing")), {}],
    ["a handler's plain Error (Internal)", envelope(request("plain-error")), {}],
    ["a message declared over readMaxBytes (ResourceExhausted, not read)", envelope(Buffer.alloc(16), 0, readMaxBytes + 1), {}],
    ["two messages on a unary call", Buffer.concat([envelope(request("c1")), envelope(request("c2"))]), {}],
    ["no message", Buffer.alloc(0), {}],
    ["a cut envelope", envelope(request("c1")).subarray(0, 9), {}],
    ["a compressed envelope without grpc-encoding", envelope(request("c1"), 1), {}],
    ["bytes that are not the request message", envelope(Buffer.from([0xff, 0xff, 0xff])), {}],
  ])("answers %s exactly as Connect's adapter does, serving it itself", async (_name, body, headers) => {
    const { viaFast, viaConnect } = await both(body, headers);
    expect(viaFast).toEqual(viaConnect);
    expect(fallbacks).toBe(0);
  });

  it("runs the interceptors around the handler with the request's headers, and gives the handler the call's deadline", async () => {
    const { viaFast } = await both(envelope(request("c1")), { "grpc-timeout": "5S", "namespaced-name": "ns/hello" });
    expect(order).toEqual(["outer ContainerGetPid ns/hello", "outer ContainerGetPid ns/hello"]);
    expect(viaFast).toMatchObject({ headers: { "x-note": "from the handler", "x-interceptor": "outer" }, trailers: { "grpc-status": "0", "x-trailer": "also" } });
    const timeout = seen[1]!.timeoutMs!;
    expect(timeout).toBeGreaterThan(4_000);
    expect(timeout).toBeLessThanOrEqual(5_000);
    expect(seen[1]!.signal.aborted).toBe(true); // cleaned up once answered (no deadline timer left)
  });

  it.each([
    ["a gzip-compressed request", { "grpc-encoding": "gzip" }, undefined],
    ["the JSON codec", { "content-type": "application/grpc+json" }, undefined],
    ["an invalid grpc-timeout", { "grpc-timeout": "soon" }, undefined],
    ["a method with no handler", {}, "/pb.ChaosDaemon/ContainerKill"],
  ])("hands %s to Connect before reading it", async (_name, headers, path) => {
    const { viaFast, viaConnect } = await both(envelope(request("c1")), headers, path);
    expect(viaFast).toEqual(viaConnect);
    expect(fallbacks).toBe(1);
  });

  it("aborts the handler's signal with Canceled when the client cancels the call", async () => {
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(sockets.fast) });
    try {
      const stream = session.request({ ":method": "POST", ":path": "/pb.ChaosDaemon/ContainerGetPid", "content-type": "application/grpc", te: "trailers" });
      stream.on("error", () => undefined);
      stream.end(envelope(request("slow")));
      while (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const aborted = new Promise<unknown>((resolve) => seen[0]!.signal.addEventListener("abort", () => resolve(seen[0]!.signal.reason)));
      stream.close(http2.constants.NGHTTP2_CANCEL);
      expect(ConnectError.from(await aborted).code).toBe(Code.Canceled);
    } finally {
      releaseSlow();
      session.close();
    }
  });
});
