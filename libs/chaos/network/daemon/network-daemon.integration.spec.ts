import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { create } from "@bufbuild/protobuf";
import { ChainSchema, ChaosDaemon, Chain_Direction, IPSetSchema, Tc_Type } from "@faultline/api";
import { defaultTestContainerdSocket, freePort, startAppProcess, type AppProcess } from "@faultline/test-ground";
import { NetworkPods, canConnect, inPod, listenInPod, type NetworkPod } from "./network-pods.test-support.js";
import { requiredCapabilities } from "./required-capabilities.js";
import { onKernelWithout } from "./kernel-qdiscs.test-support.js";

// The built daemon (apps/daemon/dist/main.js, `npx nx run @faultline/daemon:build`) over real gRPC:
// GetNodeCapabilities and /metrics, then a partition and its recovery through the three RPCs, on
// real pods of the private containerd.
const daemonMain = fileURLToPath(new URL("../../../../apps/daemon/dist/main.js", import.meta.url));

describe("the built daemon serving NetworkChaos over gRPC", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-net-daemon-"));
  const socket = join(dir, "daemon.sock");
  const pods = new NetworkPods();
  let daemon: AppProcess;
  let httpPort: number;
  let source: NetworkPod;
  let target: NetworkPod;
  let listener: { stop(): void };
  const client = createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socket) } }));
  const start = async () =>
    startAppProcess(
      daemonMain,
      ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", String(httpPort), "--containerd-socket", defaultTestContainerdSocket(), "--crio-socket", join(dir, "none.sock"), "--docker-socket", join(dir, "none2.sock")],
      (l) => l.message === "faultline daemon serving",
    );

  beforeAll(async () => {
    httpPort = await freePort();
    [daemon, source, target] = await Promise.all([start(), pods.start("grpc-src"), pods.start("grpc-tgt")]);
    listener = listenInPod(target, 8080);
    await (listener as { ready: Promise<void> } & typeof listener).ready;
  }, 120_000);

  afterAll(async () => {
    listener?.stop();
    await daemon?.stop();
    await pods.removeAll();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("answers GetNodeCapabilities and exports each capability on /metrics", async () => {
    const caps = await client.getNodeCapabilities({});
    expect(caps.qdiscs).toContain("tbf");
    expect(["nf_tables", "legacy"]).toContain(caps.iptablesBackend);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toContain(`faultline_daemon_node_capability{capability="qdisc/netem"} ${caps.qdiscs.includes("netem") ? 1 : 0}`);
    expect(metrics).toContain(`faultline_daemon_node_capability{capability="qdisc/tbf"} 1`);
    expect(metrics).toContain(`faultline_daemon_node_capability{capability="iptables-backend/${caps.iptablesBackend}"} 1`);
  }, 60_000);

  it("partitions a pod from its target and recovers it, through FlushIPSets and SetIptablesChains", async () => {
    const ipsets = [{ name: "grpc_tgt", type: "hash:net", cidrs: [target.ip] }];
    const chains = [{ name: "OUTPUT/grpc", direction: Chain_Direction.OUTPUT, ipsets: ["grpc_tgt"], target: "DROP", device: "eth0" }];
    const state = { ipsets: ipsets.map((s) => create(IPSetSchema, s)), chains: chains.map((c) => create(ChainSchema, c)) };
    expect(requiredCapabilities(state, await client.getNodeCapabilities({}))).toEqual([]);
    expect(await canConnect(source, target.ip, 8080)).toBe(true);
    await client.flushIPSets({ containerId: source.containerId, enterNs: true, ipsets });
    await client.setIptablesChains({ containerId: source.containerId, enterNs: true, chains });
    expect(await canConnect(source, target.ip, 8080)).toBe(false);

    // the daemon restarts; the same state again changes nothing; then recovery
    await daemon.stop();
    daemon = await start();
    const before = await inPod(source, ["iptables-save", "-t", "filter"]);
    await client.flushIPSets({ containerId: source.containerId, enterNs: true, ipsets });
    await client.setIptablesChains({ containerId: source.containerId, enterNs: true, chains });
    expect((await inPod(source, ["iptables-save", "-t", "filter"])).replace(/^#.*\n/gm, "")).toBe(before.replace(/^#.*\n/gm, ""));
    expect(await canConnect(source, target.ip, 8080)).toBe(false);

    await client.setIptablesChains({ containerId: source.containerId, enterNs: true, chains: [] });
    await client.flushIPSets({ containerId: source.containerId, enterNs: true, ipsets: [] });
    expect(await canConnect(source, target.ip, 8080)).toBe(true);
    expect((await inPod(source, ["ipset", "list", "-n"])).trim()).toBe("");
  }, 120_000);

  it("refuses a bad request with InvalidArgument", async () => {
    await expect(client.setTcs({ containerId: source.containerId, tcs: [{ type: Tc_Type.NETEM, netem: { loss: 150 } }] })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: "tcs[0].netem.loss: 150 is not a percentage in 0..100" });
  }, 120_000);

  onKernelWithout("netem")("refuses a delay on a node without netem with FailedPrecondition", async () => {
    const caps = await client.getNodeCapabilities({});
    await expect(client.setTcs({ containerId: source.containerId, tcs: [{ type: Tc_Type.NETEM, netem: { time: "100ms" }, device: "eth0" }] })).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: expect.stringContaining(`node ${caps.nodeName} cannot do this: it lacks qdisc/netem`),
    });
    expect(await inPod(source, ["tc", "qdisc", "show", "dev", "eth0"])).toMatch(/^qdisc noqueue 0: root/);
  }, 60_000);
});
