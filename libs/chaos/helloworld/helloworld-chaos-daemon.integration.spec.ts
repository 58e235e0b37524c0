import net from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { helloWorldChaosDaemon } from "./helloworld-chaos-daemon.js";
import { startKindTestDaemon, type KindTestDaemon } from "../kind-daemon.test-support.js";

// Real containerd, real container, real nsenter, real gRPC.
describe("helloWorldChaosDaemon", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  let daemon: KindTestDaemon;
  let lines: KindTestDaemon["lines"];
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(daemon.socketPath) } }),
  );

  beforeAll(async () => {
    daemon = await startKindTestDaemon("HelloWorldChaos", helloWorldChaosDaemon);
    lines = daemon.lines;
  });

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
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
