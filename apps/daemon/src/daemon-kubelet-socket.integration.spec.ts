// The built daemon on a node whose container runtime socket is not where its flags say (the local
// cluster's containerd listens under the repository, as a k3s or microk8s node's does under its own
// directory): it asks the node's real kubelet through /proc which socket it uses, and serves the
// node's real pods through it.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { createTestNamespace, deployBusybox, localCluster } from "@faultline/test-ground";
import { startDaemon, type DaemonProcess } from "./daemon-process.test-support.js";

const slow = 300_000;

describe("a daemon whose configured runtime sockets do not exist", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-daemon-kubelet-"));
  const grpcSocket = join(dir, "daemon.sock");
  let daemon: DaemonProcess | undefined;
  let ns: { name: string; remove(): Promise<void> } | undefined;

  afterAll(async () => {
    await daemon?.stop();
    await ns?.remove();
    rmSync(dir, { recursive: true, force: true });
  }, slow);

  it("uses the socket the node's kubelet uses, and finds the pods' container pids through it", async () => {
    const cluster = await localCluster("full");
    ns = await createTestNamespace(cluster.kubeConfig, "daemon-kubelet");
    const [pod] = await deployBusybox(cluster.kubeConfig, ns.name, { replicas: 1 });
    const nodeName = pod!.spec!.nodeName!;
    const containerId = pod!.status!.containerStatuses![0]!.containerID!;

    daemon = await startDaemon([
      "--grpc-socket", grpcSocket, "--http-host", "127.0.0.1", "--http-port", "0",
      "--containerd-socket", join(dir, "no-containerd.sock"), "--crio-socket", join(dir, "no-crio.sock"),
      "--docker-socket", join(dir, "no-docker.sock"), "--node-name", nodeName,
    ]);
    const found = daemon.lines.find((l) => l.message === "no configured container runtime socket exists; using the one the node's kubelet uses");
    expect(found).toMatchObject({ endpoint: `unix://${cluster.containerdSocket}` });
    expect(String(found?.["socket"])).toMatch(new RegExp(`^/proc/\\d+/root${cluster.containerdSocket.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));

    const client = createClient(
      ChaosDaemon,
      createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(grpcSocket) } }),
    );
    const { pid } = await client.containerGetPid({ containerId });
    expect(pid).toBeGreaterThan(1);
  }, slow);
});
