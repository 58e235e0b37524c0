import { Code, ConnectError } from "@connectrpc/connect";
import { ContainerAction_Action } from "@faultline/api";
import { DaemonNotFoundError } from "./daemon-locator.js";
import { createInMemoryDaemonClientPool } from "./in-memory-daemon-client-pool.js";

describe("createInMemoryDaemonClientPool", () => {
  const containerId = "containerd://" + "b".repeat(64);

  it("calls the given handlers with the request, the namespaced-name header and the caller's signal", async () => {
    const seen: unknown[] = [];
    const pool = createInMemoryDaemonClientPool({
      async containerGetPid(req, ctx) {
        seen.push({ containerId: req.containerId, action: req.action?.action, namespacedName: ctx.requestHeader.get("namespaced-name") });
        return { pid: 4242 };
      },
    });
    const daemon = await pool.clientFor("node-1", "chaos/hello");
    const res = await daemon.containerGetPid({ containerId, action: { action: ContainerAction_Action.GETPID } });
    expect(res.pid).toBe(4242);
    expect(seen).toEqual([{ containerId, action: ContainerAction_Action.GETPID, namespacedName: "chaos/hello" }]);
    expect(pool.clientsRequested).toEqual([{ nodeName: "node-1", namespacedName: "chaos/hello" }]);
  });

  it("answers Unimplemented for RPCs without a handler, and passes a handler's ConnectError through", async () => {
    const pool = createInMemoryDaemonClientPool({
      async containerKill() {
        throw new ConnectError("container not found", Code.NotFound);
      },
    });
    const daemon = await pool.clientFor("node-1", "chaos/hello");
    await expect(daemon.execHelloWorldChaos({ containerId })).rejects.toMatchObject({ code: Code.Unimplemented });
    await expect(daemon.containerKill({ containerId })).rejects.toMatchObject({ code: Code.NotFound, rawMessage: "container not found" });
  });

  it("has daemons only on the nodes it is given", async () => {
    const pool = createInMemoryDaemonClientPool({}, { nodes: ["node-1"] });
    await expect(pool.clientFor("node-1", "a/b")).resolves.toBeDefined();
    await expect(pool.clientFor("node-2", "a/b")).rejects.toBeInstanceOf(DaemonNotFoundError);
  });
});
