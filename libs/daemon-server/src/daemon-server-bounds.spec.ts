import http2 from "node:http2";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, IPSetsRequestSchema } from "@faultline/api";
import { createDaemonLogger } from "./daemon-logger.js";
import { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { createDaemonServer, type DaemonServer } from "./daemon-server.js";
import { maxEntriesPerRepeatedField, maxMembersPerIpset, maxMembersPerRequest, maxRequestBytes } from "./request-bounds.js";

// A real server on a unix socket, sent requests no manager would send: each is refused with a
// clear code before any handler sees it, and nothing of it reaches the log.
describe("createDaemonServer bounds requests", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-daemon-bounds-"));
  const socketPath = join(dir, "daemon.sock");
  const logStream = new PassThrough();
  const logText: string[] = [];
  logStream.on("data", (chunk: Buffer) => logText.push(chunk.toString()));
  const logger = createDaemonLogger({ format: "json", stream: logStream, level: "debug" });
  const seen: number[] = [];
  const handlers = new DaemonHandlerRegistry().register("test", {
    async flushIPSets(req) {
      seen.push(req.ipsets.reduce((n, s) => n + s.cidrs.length, 0));
      return {};
    },
  });
  let server: DaemonServer;
  const transport = (compressed: boolean) =>
    createGrpcTransport({
      baseUrl: "http://localhost",
      nodeOptions: { createConnection: () => net.connect(socketPath) },
      ...(compressed && { sendCompression: compressionGzip, compressMinBytes: 0 }),
    });
  let client = createClient(ChaosDaemon, transport(false));
  const containerId = "containerd://" + "a".repeat(64);
  const members = (n: number, prefix = "") => Array.from({ length: n }, (_, i) => `${prefix}10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  const codeOf = async (call: Promise<unknown>) => {
    try {
      await call;
      return "OK";
    } catch (error) {
      return `${Code[ConnectError.from(error).code]}: ${ConnectError.from(error).rawMessage}`;
    }
  };

  beforeAll(async () => {
    server = createDaemonServer({ handlers, logger });
    await server.listen({ socketPath });
  });

  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    client = createClient(ChaosDaemon, transport(false));
    seen.length = 0;
    logText.length = 0;
  });

  it("serves a full ipset: the largest legitimate request", async () => {
    const full = { name: "full", cidrs: members(maxMembersPerIpset) };
    await client.flushIPSets({ containerId, ipsets: [full, { ...full, name: "full-2" }] });
    expect(seen).toEqual([2 * maxMembersPerIpset]);
  }, 60_000);

  it("refuses 10^6 ipset members with InvalidArgument naming the field, sent plain or gzip-compressed", async () => {
    const request = { containerId, ipsets: [{ name: "big", cidrs: members(1_000_000) }] };
    expect(toBinary(IPSetsRequestSchema, create(IPSetsRequestSchema, request)).length).toBeLessThan(maxRequestBytes);
    for (const t of [transport(false), transport(true)]) {
      expect(await codeOf(createClient(ChaosDaemon, t).flushIPSets(request))).toBe(
        `InvalidArgument: IPSetsRequest.ipsets[0] has 1000000 members (cidrs, cidrAndPorts and setNames together); at most ${maxMembersPerIpset} per ipset`,
      );
    }
    expect(seen).toEqual([]);
  }, 60_000);

  it("refuses more members than four full ipsets together, and more than 1024 ipsets", async () => {
    const full = (name: string) => ({ name, cidrs: members(maxMembersPerIpset) });
    expect(
      await codeOf(client.flushIPSets({ containerId, ipsets: [full("a"), full("b"), full("c"), full("d"), { name: "e", cidrs: ["10.0.0.1"] }] })),
    ).toBe(`InvalidArgument: the request's ipsets have more than ${maxMembersPerRequest} members together (at IPSetsRequest.ipsets[4])`);
    const many = Array.from({ length: maxEntriesPerRepeatedField + 1 }, (_, i) => ({ name: `s${i}` }));
    expect(await codeOf(client.flushIPSets({ containerId, ipsets: many }))).toBe(
      `InvalidArgument: IPSetsRequest.ipsets has ${maxEntriesPerRepeatedField + 1} entries; at most ${maxEntriesPerRepeatedField}`,
    );
    expect(seen).toEqual([]);
  }, 60_000);

  /** Sends one gRPC message (envelope flags, declared length, payload) and answers grpc-status and grpc-message. */
  const sendRaw = async (flags: number, declaredLength: number, payload: Buffer, encoding?: string) => {
    const envelope = Buffer.alloc(5);
    envelope.writeUInt8(flags, 0);
    envelope.writeUInt32BE(declaredLength, 1);
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(socketPath) });
    try {
      const answer = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": "/pb.ChaosDaemon/FlushIPSets",
          "content-type": "application/grpc",
          ...(encoding !== undefined && { "grpc-encoding": encoding }),
          te: "trailers",
        });
        let headers: Record<string, unknown> = {};
        stream.on("response", (h) => (headers = { ...h }));
        stream.on("trailers", (t) => (headers = { ...headers, ...t }));
        stream.on("data", () => undefined);
        stream.on("end", () => resolve(headers));
        stream.on("error", reject);
        stream.end(Buffer.concat([envelope, payload]));
      });
      return `${Code[Number(answer["grpc-status"])]}: ${decodeURIComponent(String(answer["grpc-message"]))}`;
    } finally {
      session.close();
    }
  };

  it("refuses a message declared over readMaxBytes with ResourceExhausted, before reading it", async () => {
    expect(await sendRaw(0, maxRequestBytes + 1, Buffer.alloc(16))).toMatch(/^ResourceExhausted: .*readMaxBytes/);
    expect(seen).toEqual([]);
  });

  it("refuses a connect client's message over readMaxBytes, and serves the next call", async () => {
    const request = { containerId, ipsets: [{ name: "huge", cidrs: ["x".repeat(maxRequestBytes)] }] };
    // the daemon answers ResourceExhausted at once; the client, still sending, may see its stream reset instead
    expect(await codeOf(createClient(ChaosDaemon, transport(false)).flushIPSets(request))).toMatch(
      /^(ResourceExhausted: .*readMaxBytes|Internal: .*ENHANCE_YOUR_CALM)/,
    );
    expect(seen).toEqual([]);
    expect(await codeOf(createClient(ChaosDaemon, transport(false)).flushIPSets({ containerId, ipsets: [] }))).toBe("OK");
  });

  it("refuses a gzip bomb (64 KiB that inflate to 64 MiB) with ResourceExhausted, inflating no more than readMaxBytes", async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(128 * 1024);
    expect(await sendRaw(1, bomb.length, bomb, "gzip")).toBe(
      `ResourceExhausted: message is larger than configured readMaxBytes ${maxRequestBytes} after decompression`,
    );
    expect(seen).toEqual([]);
  });

  it("refuses brotli (only gzip, bounded, is accepted)", async () => {
    expect(await sendRaw(1, 4, Buffer.alloc(4), "br")).toMatch(/^Unimplemented: .*br/);
  });

  it("logs a refused request without its fields, and a served one's container id cut to a bounded length", async () => {
    const secret = "do-not-log-me";
    await codeOf(client.flushIPSets({ containerId: secret, ipsets: [{ name: secret, cidrs: members(maxMembersPerIpset + 1) }] }));
    const refusal = logText.join("");
    expect(refusal).toContain("rpc refused: request over bounds");
    expect(refusal).not.toContain(secret);

    logText.length = 0;
    await client.flushIPSets({ containerId: "containerd://" + "f".repeat(10_000), ipsets: [] });
    const line = JSON.parse(logText.join("").split("\n").find((l) => l.includes("rpc done") || l.includes("containerId")) ?? "{}");
    expect(String(line.containerId).length).toBeLessThan(128);
    expect(line.containerId).toMatch(/^containerd:\/\/f+…\(10013 chars\)$/);
  });
});
