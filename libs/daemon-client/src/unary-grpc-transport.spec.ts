// The manager's unary transport against Connect's own gRPC transport, call by call, on real HTTP/2
// servers over unix sockets: a Connect server standing in for the daemon, and a raw HTTP/2 server
// answering what no daemon should (a compressed answer, two answers, no status). Each call must
// end the same way through both transports.
import { mkdtempSync, rmSync } from "node:fs";
import * as http2 from "node:http2";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { ChaosDaemon, ContainerResponseSchema } from "@faultline/api";
import { createUnaryGrpcTransport } from "./unary-grpc-transport.js";

const dir = mkdtempSync(join(tmpdir(), "faultline-unary-transport-"));
const readMaxBytes = 4096;
const daemonSocket = join(dir, "daemon.sock");
const rawSocket = join(dir, "raw.sock");
const handlerSignals: AbortSignal[] = [];

const daemon = http2.createServer(
  connectNodeAdapter({
    routes: (router) =>
      router.service(ChaosDaemon, {
        async containerGetPid(req, ctx) {
          handlerSignals.push(ctx.signal);
          if (req.containerId === "missing") throw new ConnectError("container missing not found", Code.NotFound, { "x-why": "gone" });
          if (req.containerId === "slow") {
            await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
            return { pid: 0 };
          }
          ctx.responseHeader.set("x-note", "from the daemon");
          ctx.responseTrailer.set("x-trailer", "also");
          return { pid: 4242 };
        },
        async getNodeCapabilities() {
          return { notes: ["x".repeat(readMaxBytes + 1)] };
        },
      }),
  }),
);

/** What the raw server answers, by the request's path. */
const rawAnswers: Record<string, (stream: http2.ServerHttp2Stream) => void> = {
  "/pb.ChaosDaemon/ContainerGetPid": (stream) => {
    // a gzip answer to a client that accepts none
    stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-encoding": "gzip" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(Buffer.from([1, 0, 0, 0, 0]));
  },
  "/pb.ChaosDaemon/ContainerKill": (stream) => {
    // two answers to a unary call
    const one = toBinary(ContainerResponseSchema, create(ContainerResponseSchema, { pid: 1 }));
    const env = Buffer.concat([Buffer.from([0, 0, 0, 0, one.length]), one]);
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(Buffer.concat([env, env]));
  },
  "/pb.ChaosDaemon/ExecHelloWorldChaos": (stream) => {
    // an answer without any grpc-status
    stream.respond({ ":status": 200, "content-type": "application/grpc" });
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
  },
};
const raw = http2.createServer();
raw.on("stream", (stream, headers) => {
  stream.on("data", () => undefined);
  stream.on("end", () => rawAnswers[headers[":path"] ?? ""]?.(stream));
});

function transports(socket: string): { stock: Transport; fast: Transport; close: () => void } {
  const sessions = new Http2SessionManager("http://localhost", {}, { createConnection: () => net.connect(socket) });
  const stockSessions = new Http2SessionManager("http://localhost", {}, { createConnection: () => net.connect(socket) });
  const options = { baseUrl: "http://localhost", readMaxBytes, acceptCompression: [], defaultTimeoutMs: 30_000 };
  const stock = createGrpcTransport({ ...options, sessionManager: stockSessions });
  const fast = createUnaryGrpcTransport({ sessions, readMaxBytes, defaultTimeoutMs: 30_000, streaming: createGrpcTransport({ ...options, sessionManager: sessions }) });
  return { stock, fast, close: () => (sessions.abort(), stockSessions.abort()) };
}

/** How a call ended: its answer (message, headers, trailers) or its error (code, message, metadata). */
async function outcome(call: Promise<unknown>): Promise<unknown> {
  try {
    return { answer: await call };
  } catch (e) {
    const error = ConnectError.from(e);
    const metadata = Object.fromEntries([...error.metadata].filter(([name]) => name !== "date"));
    return { code: Code[error.code], message: error.rawMessage, metadata };
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => daemon.listen(daemonSocket, resolve));
  await new Promise<void>((resolve) => raw.listen(rawSocket, resolve));
});

afterAll(async () => {
  await new Promise((resolve) => daemon.close(resolve));
  await new Promise((resolve) => raw.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => (handlerSignals.length = 0));

describe("createUnaryGrpcTransport", () => {
  it.each([
    ["an answer, with the daemon's headers and trailers", "containerGetPid", { containerId: "c1" }],
    ["a daemon's error, with its metadata", "containerGetPid", { containerId: "missing" }],
    ["a method the daemon does not serve (trailers-only Unimplemented)", "containerKill", { containerId: "c1" }],
    ["an answer over readMaxBytes (ResourceExhausted)", "getNodeCapabilities", {}],
  ] as const)("ends %s as Connect's transport does", async (_name, method, request) => {
    const { stock, fast, close } = transports(daemonSocket);
    try {
      const viaStock = await outcome(createClient(ChaosDaemon, stock)[method](request as never));
      const viaFast = await outcome(createClient(ChaosDaemon, fast)[method](request as never));
      expect(viaFast).toEqual(viaStock);
    } finally {
      close();
    }
  });

  it("reads the daemon's headers and trailers into the call's onHeader and onTrailer", async () => {
    const { fast, close } = transports(daemonSocket);
    try {
      let header: Headers | undefined;
      let trailer: Headers | undefined;
      const answer = await createClient(ChaosDaemon, fast).containerGetPid(
        { containerId: "c1" },
        { headers: { "namespaced-name": "ns/x" }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
      );
      expect(answer.pid).toBe(4242);
      expect(header?.get("x-note")).toBe("from the daemon");
      expect(trailer?.get("x-trailer")).toBe("also");
    } finally {
      close();
    }
  });

  it.each([
    ["a compressed answer to a client that accepts none", "containerGetPid"],
    ["two answers to a unary call", "containerKill"],
    ["an answer without a grpc-status", "execHelloWorldChaos"],
  ] as const)("refuses %s as Connect's transport does", async (_name, method) => {
    const { stock, fast, close } = transports(rawSocket);
    try {
      const viaStock = await outcome(createClient(ChaosDaemon, stock)[method]({ containerId: "c1" }));
      const viaFast = await outcome(createClient(ChaosDaemon, fast)[method]({ containerId: "c1" }));
      expect(viaFast).toEqual(viaStock);
      expect(viaFast).toHaveProperty("code");
    } finally {
      close();
    }
  });

  it("ends a call past its deadline with DeadlineExceeded and cancels it on the daemon", async () => {
    const { fast, close } = transports(daemonSocket);
    try {
      const result = await outcome(createClient(ChaosDaemon, fast).containerGetPid({ containerId: "slow" }, { timeoutMs: 100 }));
      expect(result).toMatchObject({ code: "DeadlineExceeded" });
      while (!handlerSignals[0]?.aborted) await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      close();
    }
  });

  it("ends a call whose signal is aborted with Canceled, and the daemon's handler sees it", async () => {
    const { fast, close } = transports(daemonSocket);
    try {
      const controller = new AbortController();
      const call = outcome(createClient(ChaosDaemon, fast).containerGetPid({ containerId: "slow" }, { signal: controller.signal }));
      while (handlerSignals.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      expect(await call).toMatchObject({ code: "Canceled" });
      while (!handlerSignals[0]!.aborted) await new Promise((resolve) => setTimeout(resolve, 5));
    } finally {
      close();
    }
  });

  it("ends a call to a socket nobody listens on as Connect's transport does", async () => {
    const { stock, fast, close } = transports(join(dir, "nobody.sock"));
    try {
      const viaStock = await outcome(createClient(ChaosDaemon, stock).containerGetPid({ containerId: "c1" }));
      const viaFast = await outcome(createClient(ChaosDaemon, fast).containerGetPid({ containerId: "c1" }));
      expect(viaFast).toEqual(viaStock);
    } finally {
      close();
    }
  });
});
