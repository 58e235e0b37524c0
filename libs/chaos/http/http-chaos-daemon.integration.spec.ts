import net from "node:net";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { httpRecoverCommand } from "./http-chaos-daemon.js";
import { startHTTPChaosTestDaemon, type HTTPChaosTestDaemon } from "./http-daemon.test-support.js";

// Real containerd, real container, real nsenter, real gRPC.
describe("httpChaosDaemon", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  let daemon: HTTPChaosTestDaemon;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(daemon.socketPath) } }),
  );

  beforeAll(async () => {
    daemon = await startHTTPChaosTestDaemon();
  });

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
  }, 60_000);

  it("runs the kind's command in the container's namespaces and logs it", async () => {
    const { containerId } = await pods.startContainer({ name: "http", command: ["sleep", "3333"] });
    await client.execHTTPChaos({ containerId });
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: "ExecHTTPChaos", containerId }));
    const injected = daemon.lines.find((l) => l["message"] === "HTTPChaos injected" && l["containerId"] === containerId);
    expect(injected).toMatchObject({ argv: ["true"], pid: expect.any(Number) });
  }, 60_000);

  it("RecoverHTTPChaos runs the recover command in the same container's namespaces", async () => {
    const { containerId } = await pods.startContainer({ name: "http-recover", command: ["sleep", "3334"] });
    await client.execHTTPChaos({ containerId });
    await client.recoverHTTPChaos({ containerId });
    const injected = daemon.lines.find((l) => l["message"] === "HTTPChaos injected" && l["containerId"] === containerId);
    const recovered = daemon.lines.find((l) => l["message"] === "HTTPChaos recovered" && l["containerId"] === containerId);
    expect(recovered).toMatchObject({ argv: httpRecoverCommand, pid: injected?.["pid"] });
  }, 60_000);

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    const unknown = "containerd://" + "e".repeat(64);
    await expect(client.execHTTPChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(client.recoverHTTPChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    expect(daemon.lines.filter((l) => l["containerId"] === unknown && /^HTTPChaos (injected|recovered)$/.test(String(l["message"])))).toHaveLength(0);
  });
});
