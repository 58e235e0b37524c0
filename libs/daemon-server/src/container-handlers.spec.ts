import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ContainerAction_Action } from "@faultline/api";
import type { ContainerRuntimeClient } from "@faultline/cri-client";
import { containerHandlers } from "./container-handlers.js";
import { createDaemonLogger } from "./daemon-logger.js";
import { DaemonHandlerRegistry } from "./daemon-handler-registry.js";
import { createDaemonServer, type DaemonServer } from "./daemon-server.js";

// The real server on a unix socket, called over real gRPC; the runtime records what it was asked.
describe("containerHandlers", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-container-handlers-"));
  const socketPath = join(dir, "daemon.sock");
  const containerId = "containerd://" + "c".repeat(64);
  const calls: string[] = [];
  const runtime: ContainerRuntimeClient = {
    async getPid(id) {
      calls.push(`getPid ${id}`);
      return 4242;
    },
    async kill(id) {
      calls.push(`kill ${id}`);
    },
    close() {},
  };
  let server: DaemonServer;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socketPath) } }),
  );

  beforeAll(async () => {
    const handlers = new DaemonHandlerRegistry().register("container", containerHandlers({ runtime }));
    server = createDaemonServer({ handlers, logger: createDaemonLogger({ stream: new PassThrough() }) });
    await server.listen({ socketPath });
  });
  beforeEach(() => {
    calls.length = 0;
  });
  afterAll(async () => {
    await server.close(1000);
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses ContainerKill with action GETPID, killing nothing", async () => {
    await expect(client.containerKill({ containerId, action: { action: ContainerAction_Action.GETPID } })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "ContainerKill: container action is GETPID, not KILL",
    });
    expect(calls).toEqual([]);
  });

  it("refuses ContainerGetPid with action KILL, looking nothing up", async () => {
    await expect(client.containerGetPid({ containerId, action: { action: ContainerAction_Action.KILL } })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "ContainerGetPid: container action is KILL, not GETPID",
    });
    expect(calls).toEqual([]);
  });

  it("serves each RPC with its own action, or with no action", async () => {
    expect((await client.containerGetPid({ containerId, action: { action: ContainerAction_Action.GETPID } })).pid).toBe(4242);
    expect((await client.containerGetPid({ containerId })).pid).toBe(4242);
    await client.containerKill({ containerId, action: { action: ContainerAction_Action.KILL } });
    await client.containerKill({ containerId });
    expect(calls).toEqual([`getPid ${containerId}`, `getPid ${containerId}`, `kill ${containerId}`, `kill ${containerId}`]);
  });
});
