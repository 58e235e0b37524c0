import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { ExecHelloWorldRequestSchema } from "@faultline/api";
import { ContainerNotFoundError } from "@faultline/cri-client";
import winston from "winston";
import { callDaemonHandler, createDaemonHandlerContext, type DaemonLogLine } from "./daemon-handler-context.js";
import type { DaemonHandlers } from "./daemon-handler-registry.js";
import { requestLogger } from "./request-context.js";

const containerId = "containerd://" + "d".repeat(64);

// A kind's handlers as a kind author writes them: they log through requestLogger(ctx).
const handlers: DaemonHandlers = {
  async execHelloWorldChaos(req, ctx) {
    if (req.containerId === "containerd://" + "0".repeat(64)) throw new ContainerNotFoundError(req.containerId, "container not found");
    requestLogger(ctx).info("hello", { aborted: ctx.signal.aborted });
    return {};
  },
  async containerGetPid(req, ctx) {
    requestLogger(ctx).warn("pid asked");
    return { pid: 7 };
  },
};

describe("createDaemonHandlerContext", () => {
  it("gives requestLogger(ctx) a logger carrying method, container id and namespaced-name, writing to logLines", async () => {
    const logLines: DaemonLogLine[] = [];
    const ctx = createDaemonHandlerContext({ method: "execHelloWorldChaos", logLines, containerId, headers: { "namespaced-name": "ns/hello" } });
    await handlers.execHelloWorldChaos!(create(ExecHelloWorldRequestSchema, { containerId }), ctx);
    expect(logLines).toEqual([
      { level: "info", message: "hello", aborted: false, method: "ExecHelloWorldChaos", containerId, namespacedName: "ns/hello" },
    ]);
    expect(ctx.requestHeader.get("namespaced-name")).toBe("ns/hello");
    expect(ctx.method.name).toBe("ExecHelloWorldChaos");
  });

  it("passes the caller's signal to the handler", async () => {
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    const logLines: DaemonLogLine[] = [];
    await handlers.execHelloWorldChaos!(create(ExecHelloWorldRequestSchema, { containerId }), createDaemonHandlerContext({ logLines, signal: controller.signal }));
    expect(logLines[0]).toMatchObject({ aborted: true });
  });

  it("logs through a given winston logger too", async () => {
    const seen: unknown[] = [];
    const logger = winston.createLogger({ transports: [new winston.transports.Console({ silent: true })] });
    logger.on("data", (info) => seen.push(info));
    const logLines: DaemonLogLine[] = [];
    await handlers.containerGetPid!({ containerId } as never, createDaemonHandlerContext({ method: "containerGetPid", logger, logLines }));
    expect(logLines).toEqual([{ level: "warn", message: "pid asked", method: "ContainerGetPid" }]);
    expect(seen).toEqual([expect.objectContaining({ level: "warn", message: "pid asked", method: "ContainerGetPid" })]);
  });

  it("works without a logger: the lines go nowhere", async () => {
    await expect(handlers.execHelloWorldChaos!(create(ExecHelloWorldRequestSchema, { containerId }), createDaemonHandlerContext())).resolves.toEqual({});
  });
});

describe("callDaemonHandler", () => {
  it("builds the request, calls the handler with a context, and answers the response message", async () => {
    const logLines: DaemonLogLine[] = [];
    const res = await callDaemonHandler(handlers, "containerGetPid", { containerId }, { logLines, headers: { "namespaced-name": "ns/x" } });
    expect(res.pid).toBe(7);
    expect(logLines).toEqual([{ level: "warn", message: "pid asked", method: "ContainerGetPid", containerId, namespacedName: "ns/x" }]);
  });

  it("turns a failure into the ConnectError a client would see", async () => {
    await expect(callDaemonHandler(handlers, "execHelloWorldChaos", { containerId: "containerd://" + "0".repeat(64) })).rejects.toMatchObject({
      code: Code.NotFound,
      rawMessage: "container not found",
    });
  });

  it("says so when the handlers lack the RPC", async () => {
    await expect(callDaemonHandler(handlers, "containerKill", { containerId })).rejects.toThrow("no handler for ContainerKill among the handlers given");
  });
});
