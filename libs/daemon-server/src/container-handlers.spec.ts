import net from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ContainerAction_Action } from "@faultline/api";
import { ContainerNotFoundError, type ContainerRuntimeClient } from "@faultline/cri-client";
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
      return { lookupMs: 1, signalMs: 0, deathMs: 2, stillExiting: false };
    },
    async killMany(ids) {
      calls.push(`killMany ${ids.join(" ")}`);
      return {
        outcomes: ids.map((containerId) => (containerId.endsWith("0") ? { containerId, error: new ContainerNotFoundError(containerId, `container ${containerId} not found`) } : { containerId })),
        timings: { lookupMs: 1, signalMs: 0, deathMs: 2 },
      };
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

  it("answers ContainerKillMany per container, in the order asked, with ContainerKill's code for each failure", async () => {
    const other = "containerd://" + "d".repeat(63) + "0"; // the fake runtime does not find ids ending in 0
    const { results } = await client.containerKillMany({ containerIds: [other, containerId] });
    expect(results.map((r) => ({ containerId: r.containerId, code: r.code, message: r.message }))).toEqual([
      { containerId: other, code: Code.NotFound, message: `container ${other} not found` },
      { containerId, code: 0, message: "" },
    ]);
    expect(calls).toEqual([`killMany ${other} ${containerId}`]);
  });

  it("refuses a ContainerKillMany without ids, or naming one twice, killing nothing", async () => {
    await expect(client.containerKillMany({ containerIds: [] })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: "ContainerKillMany: container_ids is empty",
    });
    await expect(client.containerKillMany({ containerIds: [containerId, containerId] })).rejects.toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: `ContainerKillMany: container_ids names "${containerId}" twice`,
    });
    expect(calls).toEqual([]);
  });
});
