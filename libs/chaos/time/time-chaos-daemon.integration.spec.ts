import net from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ExecTimeChaosRequestSchema, RecoverTimeChaosRequestSchema } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { timeCommand, timeRecoverCommand } from "./time-chaos-daemon.js";
import { startTimeChaosTestDaemon, type TimeChaosTestDaemon } from "./time-daemon.test-support.js";

// Real containerd, real container, real nsenter, real gRPC.
describe("timeChaosDaemon", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  let daemon: TimeChaosTestDaemon;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(daemon.socketPath) } }),
  );
  // the spec's fields as the manager sends them
  const fields = { timeOffset: "timeOffset-value", clockIds: ["clockIds-value"] };

  beforeAll(async () => {
    daemon = await startTimeChaosTestDaemon();
  });

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
  }, 60_000);

  it("runs the kind's command, built from the fields the request carried, in the container's namespaces and logs it", async () => {
    const { containerId } = await pods.startContainer({ name: "time", command: ["sleep", "3333"] });
    await client.execTimeChaos({ containerId, ...fields });
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: "ExecTimeChaos", containerId }));
    const injected = daemon.lines.find((l) => l["message"] === "TimeChaos injected" && l["containerId"] === containerId);
    expect(injected).toMatchObject({ argv: timeCommand(create(ExecTimeChaosRequestSchema, { containerId, ...fields })), pid: expect.any(Number) });
  }, 60_000);

  it("RecoverTimeChaos runs the recover command, built from the fields the request carried, in the same container's namespaces", async () => {
    const { containerId } = await pods.startContainer({ name: "time-recover", command: ["sleep", "3334"] });
    await client.execTimeChaos({ containerId, ...fields });
    await client.recoverTimeChaos({ containerId, ...fields });
    const injected = daemon.lines.find((l) => l["message"] === "TimeChaos injected" && l["containerId"] === containerId);
    const recovered = daemon.lines.find((l) => l["message"] === "TimeChaos recovered" && l["containerId"] === containerId);
    expect(recovered).toMatchObject({ argv: timeRecoverCommand(create(RecoverTimeChaosRequestSchema, { containerId, ...fields })), pid: injected?.["pid"] });
  }, 60_000);

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    const unknown = "containerd://" + "e".repeat(64);
    await expect(client.execTimeChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(client.recoverTimeChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    expect(daemon.lines.filter((l) => l["containerId"] === unknown && /^TimeChaos (injected|recovered)$/.test(String(l["message"])))).toHaveLength(0);
  });
});
