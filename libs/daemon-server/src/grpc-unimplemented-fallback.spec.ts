import { mkdtempSync, rmSync } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Code, ConnectError } from "@connectrpc/connect";
import { createCriRuntimeServiceClient } from "@faultline/cri-client";
import { createDaemonLogger } from "./daemon-logger.js";
import { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { createDaemonServer, type DaemonServer } from "./daemon-server.js";

// A real daemon server on a unix socket. Chaos Mesh managers call methods Faultline may not serve
// (InstallJVMRules, ApplyBlockChaos, ...): grpc-go needs a gRPC answer, not a bare 404.
describe("a method the daemon does not serve", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-unimplemented-"));
  const socketPath = join(dir, "daemon.sock");
  const logger = createDaemonLogger({ format: "json", stream: new PassThrough() });
  let server: DaemonServer;

  beforeAll(async () => {
    server = createDaemonServer({ handlers: new DaemonHandlerRegistry(), logger });
    await server.listen({ socketPath });
  });

  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it("gets HTTP 200 with grpc-status 12 naming the method, in one HEADERS frame that ends the stream", async () => {
    const session = http2.connect("http://localhost", { createConnection: () => net.connect(socketPath) });
    try {
      const stream = session.request({
        ":method": "POST",
        ":path": "/pb.ChaosDaemon/InstallJVMRules",
        "content-type": "application/grpc",
        te: "trailers",
      });
      stream.end(Buffer.from([0, 0, 0, 0, 0]));
      const seen = await new Promise<{ headers: http2.IncomingHttpHeaders; endStream: boolean; data: number; trailers: boolean }>(
        (resolve, reject) => {
          let headers: http2.IncomingHttpHeaders = {};
          let endStream = false;
          let data = 0;
          let trailers = false;
          stream.on("response", (h, flags) => {
            headers = h;
            endStream = (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) !== 0;
          });
          stream.on("trailers", () => (trailers = true));
          stream.on("data", (chunk: Buffer) => (data += chunk.length));
          stream.on("error", reject);
          stream.on("close", () => resolve({ headers, endStream, data, trailers }));
        },
      );
      expect(seen.headers[":status"]).toBe(200);
      expect(seen.headers["content-type"]).toBe("application/grpc");
      expect(seen.headers["grpc-status"]).toBe("12");
      expect(decodeURIComponent(String(seen.headers["grpc-message"]))).toBe(
        "method /pb.ChaosDaemon/InstallJVMRules is not implemented by this daemon",
      );
      expect(seen).toMatchObject({ endStream: true, data: 0, trailers: false });
    } finally {
      session.close();
    }
  });

  it("is reported as Unimplemented by a gRPC client calling a service the daemon does not have", async () => {
    const call = createCriRuntimeServiceClient(socketPath).version({});
    await expect(call).rejects.toBeInstanceOf(ConnectError);
    await expect(call).rejects.toMatchObject({
      code: Code.Unimplemented,
      rawMessage: "method /runtime.v1.RuntimeService/Version is not implemented by this daemon",
    });
  });
});
