import net from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ExecDNSChaosRequestSchema, RecoverDNSChaosRequestSchema } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { dnsCommand, dnsRecoverCommand } from "./dns-chaos-daemon.js";
import { startDNSChaosTestDaemon, type DNSChaosTestDaemon } from "./dns-daemon.test-support.js";

// Real containerd, real container, real nsenter, real gRPC.
describe("dnsChaosDaemon", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  let daemon: DNSChaosTestDaemon;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(daemon.socketPath) } }),
  );
  // the spec's fields as the manager sends them
  const fields = { action: "action-value", patterns: ["patterns-value"] };

  beforeAll(async () => {
    daemon = await startDNSChaosTestDaemon();
  });

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
  }, 60_000);

  it("runs the kind's command, built from the fields the request carried, in the container's namespaces and logs it", async () => {
    const { containerId } = await pods.startContainer({ name: "dns", command: ["sleep", "3333"] });
    await client.execDNSChaos({ containerId, ...fields });
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: "ExecDNSChaos", containerId }));
    const injected = daemon.lines.find((l) => l["message"] === "DNSChaos injected" && l["containerId"] === containerId);
    expect(injected).toMatchObject({ argv: dnsCommand(create(ExecDNSChaosRequestSchema, { containerId, ...fields })), pid: expect.any(Number) });
  }, 60_000);

  it("RecoverDNSChaos runs the recover command, built from the fields the request carried, in the same container's namespaces", async () => {
    const { containerId } = await pods.startContainer({ name: "dns-recover", command: ["sleep", "3334"] });
    await client.execDNSChaos({ containerId, ...fields });
    await client.recoverDNSChaos({ containerId, ...fields });
    const injected = daemon.lines.find((l) => l["message"] === "DNSChaos injected" && l["containerId"] === containerId);
    const recovered = daemon.lines.find((l) => l["message"] === "DNSChaos recovered" && l["containerId"] === containerId);
    expect(recovered).toMatchObject({ argv: dnsRecoverCommand(create(RecoverDNSChaosRequestSchema, { containerId, ...fields })), pid: injected?.["pid"] });
  }, 60_000);

  it("answers NotFound for a container the runtime does not know, running nothing", async () => {
    const unknown = "containerd://" + "e".repeat(64);
    await expect(client.execDNSChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(client.recoverDNSChaos({ containerId: unknown })).rejects.toMatchObject({ code: Code.NotFound });
    expect(daemon.lines.filter((l) => l["containerId"] === unknown && /^DNSChaos (injected|recovered)$/.test(String(l["message"])))).toHaveLength(0);
  });
});
