import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { ContainerNotFoundError, ContainerNotRunningError, InvalidContainerIdError, RuntimeUnreachableError } from "@faultline/cri-client";
import { Registry } from "prom-client";
import { createDaemonLogger } from "./daemon-logger.js";
import { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { createDaemonServer, type DaemonServer } from "./daemon-server.js";
import { requestLogger } from "./request-context.js";
import { createRpcMetrics } from "./rpc-metrics.js";

// A real server on a unix socket, called over real gRPC. The handlers here are test handlers that
// exercise the server's own mechanisms (logging context, error codes, metrics).
describe("createDaemonServer", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-daemon-server-"));
  const socketPath = join(dir, "daemon.sock");
  const logStream = new PassThrough();
  const logLines: Record<string, unknown>[] = [];
  logStream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) logLines.push(JSON.parse(line));
  });
  const logger = createDaemonLogger({ format: "json", stream: logStream });
  const metricsRegistry = new Registry();
  const failures: Record<string, Error> = {
    ["containerd://" + "1".repeat(64)]: new ContainerNotFoundError("containerd://" + "1".repeat(64), "container not found"),
    ["containerd://" + "2".repeat(64)]: new ContainerNotRunningError("containerd://" + "2".repeat(64), "container is not running"),
    ["containerd://" + "3".repeat(64)]: new RuntimeUnreachableError("containerd://" + "3".repeat(64), "/run/x.sock", "connection refused"),
    bad: new InvalidContainerIdError("bad", "invalid container id"),
  };
  const handlers = new DaemonHandlerRegistry().register("test", {
    async containerGetPid(req, ctx) {
      requestLogger(ctx).info("looking up");
      const failure = failures[req.containerId];
      if (failure) throw failure;
      return { pid: 4242 };
    },
  });
  let server: DaemonServer;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socketPath) } }),
  );

  beforeAll(async () => {
    server = createDaemonServer({ handlers, logger, interceptors: [createRpcMetrics(metricsRegistry).interceptor] });
    await server.listen({ socketPath });
  });

  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves registered handlers over gRPC", async () => {
    const res = await client.containerGetPid({ containerId: "containerd://" + "a".repeat(64) });
    expect(res.pid).toBe(4242);
  });

  it("gives each request a logger with the method, container id and namespaced-name", async () => {
    const containerId = "containerd://" + "b".repeat(64);
    await client.containerGetPid({ containerId }, { headers: { "namespaced-name": "busybox/hello" } });
    expect(logLines).toContainEqual(
      expect.objectContaining({
        message: "looking up",
        method: "ContainerGetPid",
        containerId,
        namespacedName: "busybox/hello",
        logger: "chaos-daemon-server",
      }),
    );
  });

  it.each([
    ["1", Code.NotFound],
    ["2", Code.FailedPrecondition],
    ["3", Code.Unavailable],
  ])("maps container runtime errors to gRPC codes (%s)", async (digit, code) => {
    const failure = client.containerGetPid({ containerId: "containerd://" + digit.repeat(64) });
    await expect(failure).rejects.toBeInstanceOf(ConnectError);
    await expect(failure).rejects.toMatchObject({ code });
  });

  it("maps an invalid container id to InvalidArgument and logs the failure", async () => {
    await expect(client.containerGetPid({ containerId: "bad" })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "invalid container id",
    });
    expect(logLines).toContainEqual(
      expect.objectContaining({ message: "rpc failed", code: "InvalidArgument", method: "ContainerGetPid" }),
    );
  });

  it("answers Unimplemented for RPCs nobody registered", async () => {
    await expect(client.execHelloWorldChaos({ containerId: "x" })).rejects.toMatchObject({ code: Code.Unimplemented });
  });

  it("counts RPCs by method and code", async () => {
    const text = await metricsRegistry.metrics();
    expect(text).toMatch(/faultline_daemon_rpc_total\{method="ContainerGetPid",code="OK"\} 2/);
    expect(text).toMatch(/faultline_daemon_rpc_total\{method="ContainerGetPid",code="NotFound"\} 1/);
    expect(text).toMatch(/faultline_daemon_rpc_duration_seconds_count\{method="ContainerGetPid",code="OK"\} 2/);
  });

  it("refuses a unix socket another server answers on, and reuses a stale one", async () => {
    const other = createDaemonServer({ handlers, logger });
    await expect(other.listen({ socketPath })).rejects.toThrow(`cannot listen on unix socket ${socketPath}: it is in use`);
    // still served by the first server
    expect((await client.containerGetPid({ containerId: "containerd://" + "a".repeat(64) })).pid).toBe(4242);
    // a server that died without removing its socket file (SIGKILL leaves the file behind)
    const stalePath = join(dir, "stale.sock");
    const dead = spawn(process.execPath, ["-e", `require("net").createServer().listen(${JSON.stringify(stalePath)}, () => console.log("up"))`]);
    await new Promise((r) => dead.stdout!.once("data", r));
    dead.kill("SIGKILL");
    await new Promise((r) => dead.once("exit", r));
    expect(existsSync(stalePath)).toBe(true);
    await expect(other.listen({ socketPath: stalePath })).resolves.toBe(stalePath);
    await other.close(100);
  });

  it("refuses to listen on a port that is in use, saying so", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    const other = createDaemonServer({ handlers, logger });
    try {
      await expect(other.listen({ port, host: "127.0.0.1" })).rejects.toThrow(`cannot listen on port ${port}: it is in use`);
    } finally {
      blocker.close();
    }
  });
});

describe("DaemonHandlerRegistry", () => {
  it("refuses a second owner for the same RPC, naming both", () => {
    const registry = new DaemonHandlerRegistry().register("podchaos", { async containerKill() { return {}; } });
    expect(() => registry.register("other", { async containerKill() { return {}; } })).toThrow(
      "other: containerKill is already registered by podchaos",
    );
  });

  it("refuses names that are not ChaosDaemon RPCs", () => {
    expect(() => new DaemonHandlerRegistry().register("typo", { execHelloWorld: async () => ({}) } as never)).toThrow(
      "typo: execHelloWorld is not an RPC of pb.ChaosDaemon",
    );
  });

  it("lists registered RPCs with their owners", () => {
    const registry = new DaemonHandlerRegistry()
      .register("helloworld", { async execHelloWorldChaos() { return {}; } })
      .register("container", { async containerGetPid() { return { pid: 1 }; } });
    expect(registry.registered()).toEqual([
      { method: "ContainerGetPid", owner: "container" },
      { method: "ExecHelloWorldChaos", owner: "helloworld" },
    ]);
  });
});
