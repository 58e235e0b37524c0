import net from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ExecIOChaosRequestSchema, RecoverIOChaosRequestSchema } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { ioCommand, ioRecoverCommand } from "./io-chaos-daemon.js";
import { startIOChaosTestDaemon, type IOChaosTestDaemon } from "./io-daemon.test-support.js";

// Real containerd, real container, real nsenter, real gRPC.
describe("ioChaosDaemon", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  let daemon: IOChaosTestDaemon;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(daemon.socketPath) } }),
  );
  // the spec's fields as the manager sends them
  const fields = { volumePath: "volumePath-value" };

  beforeAll(async () => {
    daemon = await startIOChaosTestDaemon();
  });

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
  }, 60_000);

  it("runs the kind's command, built from the fields the request carried, in the container's namespaces and logs it", async () => {
    const { containerId } = await pods.startContainer({ name: "io", command: ["sleep", "3333"] });
    await client.execIOChaos({ containerId, ...fields });
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: "ExecIOChaos", containerId }));
    const injected = daemon.lines.find((l) => l["message"] === "IOChaos injected" && l["containerId"] === containerId);
    expect(injected).toMatchObject({ argv: ioCommand(create(ExecIOChaosRequestSchema, { containerId, ...fields })), pid: expect.any(Number) });
  }, 60_000);

  it("RecoverIOChaos runs the recover command, built from the fields the request carried, in the same container's namespaces", async () => {
    const { containerId } = await pods.startContainer({ name: "io-recover", command: ["sleep", "3334"] });
    await client.execIOChaos({ containerId, ...fields });
    await client.recoverIOChaos({ containerId, ...fields });
    const injected = daemon.lines.find((l) => l["message"] === "IOChaos injected" && l["containerId"] === containerId);
    const recovered = daemon.lines.find((l) => l["message"] === "IOChaos recovered" && l["containerId"] === containerId);
    expect(recovered).toMatchObject({ argv: ioRecoverCommand(create(RecoverIOChaosRequestSchema, { containerId, ...fields })), pid: injected?.["pid"] });
  }, 60_000);

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    const unknown = "containerd://" + "e".repeat(64);
    await expect(client.execIOChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(client.recoverIOChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    expect(daemon.lines.filter((l) => l["containerId"] === unknown && /^IOChaos (injected|recovered)$/.test(String(l["message"])))).toHaveLength(0);
  });
});
