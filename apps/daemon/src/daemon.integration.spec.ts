import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket, freePort } from "@faultline/test-ground";
import { runDaemonExpectingFailure, startDaemon, type DaemonProcess, type LogLine } from "./daemon-process.test-support.js";

// End to end through the real parts: the built daemon process, real gRPC over a unix socket,
// the private containerd started by tools/runtime/setup.sh, real busybox containers, real nsenter.
const containerdSocket = defaultTestContainerdSocket();

describe("faultline daemon", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-daemon-"));
  const grpcSocket = join(dir, "daemon.sock");
  const pods = new CriPodFixture(containerdSocket);
  let daemon: DaemonProcess;
  let httpPort: number;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(grpcSocket) } }),
  );
  const fromRequest = (containerId: string) => (l: LogLine) => l["containerId"] === containerId;

  beforeAll(async () => {
    httpPort = await freePort();
    daemon = await startDaemon([
      "--grpc-socket", grpcSocket,
      "--http-host", "127.0.0.1",
      "--http-port", String(httpPort),
      "--containerd-socket", containerdSocket,
      "--crio-socket", join(dir, "no-crio.sock"),
      "--docker-socket", join(dir, "no-docker.sock"),
    ]);
  }, 30_000);

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("ExecHelloWorldChaos logs the container's own process list, its sleep as PID 1", async () => {
    const { containerId } = await pods.startContainer({ name: "hello" });
    await client.execHelloWorldChaos({ containerId }, { headers: { "namespaced-name": "busybox/hello" } });
    const output = await daemon.waitFor((l) => l.message === "cmd output" && fromRequest(containerId)(l));
    expect(output["namespacedName"]).toBe("busybox/hello");
    expect(output["method"]).toBe("ExecHelloWorldChaos");
    const rows = String(output["output"]).trim().split("\n");
    // busybox ps: "PID USER COMMAND" (Debian's busybox-static has no TIME column)
    expect(rows[0]).toMatch(/^PID\s+USER\s+(TIME\s+)?COMMAND$/);
    // only the container's processes: its sleep, as PID 1, and nothing of the host's
    expect(rows.slice(1)).toHaveLength(1);
    expect(rows[1]).toMatch(/^\s*1\s+root\s+(\S+\s+)?sleep 3600$/);
    expect(String(output["output"])).not.toMatch(/containerd|node|jest/);
    // the command ran through nsenter in the container's mount namespace, as an argv
    const pid = (await client.containerGetPid({ containerId })).pid;
    expect(daemon.lines).toContainEqual(
      expect.objectContaining({ logger: "background-process-manager", command: `nsenter -t ${pid} -m -- sh -c ps aux` }),
    );
  }, 60_000);

  it("ExecHelloWorldChaos shows each container its own list", async () => {
    const a = await pods.startContainer({ name: "one", command: ["sleep", "1001"] });
    const b = await pods.startContainer({ name: "two", command: ["sleep", "1002"] });
    await Promise.all([client.execHelloWorldChaos({ containerId: a.containerId }), client.execHelloWorldChaos({ containerId: b.containerId })]);
    const outA = await daemon.waitFor((l) => l.message === "cmd output" && fromRequest(a.containerId)(l));
    const outB = await daemon.waitFor((l) => l.message === "cmd output" && fromRequest(b.containerId)(l));
    expect(outA["output"]).toMatch(/sleep 1001/);
    expect(outA["output"]).not.toMatch(/sleep 1002/);
    expect(outB["output"]).toMatch(/sleep 1002/);
    expect(outB["output"]).not.toMatch(/sleep 1001/);
  }, 60_000);

  it("ContainerGetPid returns the pid the runtime reports", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "getpid" });
    const res = await client.containerGetPid({ containerId, action: { action: 1 } });
    expect(res.pid).toBe(pid);
  }, 60_000);

  it("ContainerKill stops the container", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "kill" });
    await client.containerKill({ containerId });
    let alive = true;
    for (let i = 0; i < 50 && alive; i++) {
      alive = isRunning(pid);
      if (alive) await new Promise((r) => setTimeout(r, 100));
    }
    expect(alive).toBe(false);
    await expect(client.containerGetPid({ containerId })).rejects.toMatchObject({ code: Code.FailedPrecondition });
  }, 60_000);

  describe("bad input is refused and nothing is executed", () => {
    const commandsRun = () => daemon.lines.filter((l) => l.message === "build command").length;

    it.each([
      ["containerd://x; rm -rf /", Code.InvalidArgument, /invalid container id/i],
      ["../../etc", Code.InvalidArgument, /container id/i],
      ["a".repeat(64), Code.InvalidArgument, /container id/i],
      ["podman://" + "a".repeat(64), Code.InvalidArgument, /podman/],
      ["containerd://" + "A".repeat(64), Code.InvalidArgument, /container id/i],
      ["", Code.InvalidArgument, /container id/i],
      ["containerd://" + "0".repeat(64), Code.NotFound, /0{64}/],
    ])("ExecHelloWorldChaos(%j) → code %s", async (containerId, code, message) => {
      const before = commandsRun();
      const failure = client.execHelloWorldChaos({ containerId });
      await expect(failure).rejects.toMatchObject({ code });
      await expect(failure).rejects.toThrow(message);
      expect(commandsRun()).toBe(before);
    });

    it("a stopped container → FailedPrecondition, nothing executed", async () => {
      const { containerId } = await pods.startContainer({ name: "stopped" });
      await pods.stopContainer(containerId);
      const before = commandsRun();
      await expect(client.execHelloWorldChaos({ containerId })).rejects.toMatchObject({ code: Code.FailedPrecondition });
      expect(commandsRun()).toBe(before);
    }, 60_000);

    it("a runtime whose socket is missing → Unavailable, naming the socket", async () => {
      const failure = client.execHelloWorldChaos({ containerId: "cri-o://" + "c".repeat(64) });
      await expect(failure).rejects.toMatchObject({ code: Code.Unavailable });
      await expect(failure).rejects.toThrow(/no-crio\.sock/);
    });
  });

  it("serves /healthz and /metrics with RPC counts by method and code", async () => {
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(text).toMatch(/faultline_daemon_rpc_total\{method="ExecHelloWorldChaos",code="OK"\} [1-9]/);
    expect(text).toMatch(/faultline_daemon_rpc_total\{method="ExecHelloWorldChaos",code="InvalidArgument"\} [1-9]/);
    expect(text).toMatch(/faultline_daemon_rpc_duration_seconds_bucket\{le="0\.5",method="ContainerGetPid",code="OK"\}/);
  });
});

/** Whether a pid is a live process (not gone, not a zombie): /proc/<pid>/stat is "pid (comm) state ...". */
function isRunning(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("faultline daemon lifecycle", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-daemon-life-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = (sock: string) => ["--grpc-socket", sock, "--http-host", "127.0.0.1", "--containerd-socket", defaultTestContainerdSocket()];

  it("stops on SIGTERM, exit status 0, and removes its socket", async () => {
    const sock = join(dir, "life.sock");
    const daemon = await startDaemon([...base(sock), "--http-port", String(await freePort())]);
    expect(existsSync(sock)).toBe(true);
    daemon.process.kill("SIGTERM");
    expect(await daemon.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(sock)).toBe(false);
    expect(daemon.lines.map((l) => l.message)).toContain("stopped");
  }, 30_000);

  it("refuses to start when the HTTP port is in use", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { code, stderr } = await runDaemonExpectingFailure([...base(join(dir, "busy.sock")), "--http-port", String(port)]);
      expect(code).not.toBe(0);
      expect(stderr).toContain(`cannot listen on HTTP port ${port}: it is in use`);
    } finally {
      blocker.close();
    }
  }, 30_000);

  it("refuses to start with an unreadable certificate, naming the file", async () => {
    const { code, stderr } = await runDaemonExpectingFailure([
      ...base(join(dir, "tls.sock")), "--http-port", "0",
      "--tls-cert", join(dir, "missing.crt"), "--tls-key", join(dir, "missing.key"), "--tls-ca", join(dir, "missing-ca.crt"),
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot read --tls-cert ${join(dir, "missing.crt")}`);
  }, 30_000);

  it("refuses to start with a certificate that is not PEM", async () => {
    const junk = join(dir, "junk.pem");
    writeFileSync(junk, "not a certificate\n");
    const { code, stderr } = await runDaemonExpectingFailure([
      ...base(join(dir, "junk.sock")), "--http-port", "0", "--tls-cert", junk, "--tls-key", junk, "--tls-ca", junk,
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/invalid TLS certificate or key/);
  }, 30_000);

  it("refuses to start when no runtime socket exists and no kubelet serves its node, listing where it looked", async () => {
    const { code, stderr } = await runDaemonExpectingFailure([
      "--grpc-socket", join(dir, "none.sock"), "--http-port", "0",
      "--containerd-socket", join(dir, "a.sock"), "--crio-socket", join(dir, "b.sock"), "--docker-socket", join(dir, "c.sock"),
      "--node-name", "no-such-node",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("no container runtime socket found");
    expect(stderr).toContain(join(dir, "a.sock"));
    expect(stderr).toMatch(/no kubelet here serves node no-such-node|found no kubelet process to ask/);
  }, 30_000);

  it("rejects bad flags with usage", async () => {
    const { code, stderr } = await runDaemonExpectingFailure(["--grpc-port", "99999"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--grpc-port must be a port number");
  }, 30_000);
});
