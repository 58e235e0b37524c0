import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/cri-client/testing";
import {
  DaemonHandlerRegistry,
  NamespaceProcessRunner,
  createDaemonLogger,
  createDaemonServer,
  type DaemonServer,
} from "@faultline/daemon-server";
import { helloWorldDaemonHandlers } from "./helloworld-daemon-handlers.js";

// Real containerd, real container, real nsenter, real gRPC.
describe("helloWorldDaemonHandlers", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-helloworld-"));
  const socketPath = join(dir, "daemon.sock");
  const containerdSocket = defaultTestContainerdSocket();
  const pods = new CriPodFixture(containerdSocket);
  const runtime = createContainerRuntimeClient({ sockets: { containerd: containerdSocket } });
  const lines: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  let server: DaemonServer;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socketPath) } }),
  );

  beforeAll(async () => {
    const handlers = new DaemonHandlerRegistry().register(
      "helloworld",
      helloWorldDaemonHandlers({ runtime, runner: new NamespaceProcessRunner() }),
    );
    server = createDaemonServer({ handlers, logger: createDaemonLogger({ format: "json", stream }) });
    await server.listen({ socketPath });
  });

  afterAll(async () => {
    await server.close(1000);
    runtime.close();
    await pods.removeAll();
    pods.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("logs the request and the container's process list", async () => {
    const { containerId } = await pods.startContainer({ name: "hw", command: ["sleep", "3333"] });
    await client.execHelloWorldChaos({ containerId });
    expect(lines).toContainEqual(expect.objectContaining({ message: "ExecHelloWorldChaos", containerId }));
    const output = lines.find((l) => l["message"] === "cmd output" && l["containerId"] === containerId);
    expect(String(output?.["output"])).toMatch(/^PID\s+USER\s+(TIME\s+)?COMMAND\n\s*1 root\s+(\S+\s+)?sleep 3333\n$/);
  }, 60_000);

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    await expect(client.execHelloWorldChaos({ containerId: "containerd://" + "e".repeat(64) })).rejects.toMatchObject({
      code: Code.NotFound,
    });
    expect(lines.filter((l) => l["message"] === "cmd output" && String(l["containerId"]).includes("eeee"))).toHaveLength(0);
  });
});
