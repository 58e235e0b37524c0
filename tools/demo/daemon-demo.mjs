// The daemon half of the HelloWorldChaos flow, on real parts: two busybox containers started
// through CRI, the built daemon as a child process on a unix socket, ExecHelloWorldChaos over gRPC.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/cri-client/testing";

const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "faultline-demo-"));
const grpcSocket = join(dir, "daemon.sock");
const containerdSocket = defaultTestContainerdSocket();
const pods = new CriPodFixture(containerdSocket);
let daemon;

function say(text) {
  console.log(`\n[demo] ${text}`);
}

async function waitForSocket(path, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(path, () => (s.end(), resolve(true)));
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    if (daemon.exitCode !== null) throw new Error(`the daemon exited with status ${daemon.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the daemon did not listen on ${path} within ${timeoutMs} ms`);
}

try {
  say("starting two busybox containers through CRI");
  const containers = [];
  for (const name of ["busybox-0", "busybox-1"]) {
    const c = await pods.startContainer({ name, podNamespace: "busybox", command: ["sleep", "3600"] });
    containers.push(c);
    console.log(`  ${name}: ${c.containerId} (host pid ${c.pid})`);
  }

  say("starting the daemon (log below is the daemon's own output)");
  daemon = spawn(
    process.execPath,
    [daemonMain, "--grpc-socket", grpcSocket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", containerdSocket],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  await waitForSocket(grpcSocket);

  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(grpcSocket) } }),
  );
  for (const c of containers) {
    await client.execHelloWorldChaos({ containerId: c.containerId }, { headers: { "namespaced-name": "busybox/busybox-helloworld-chaos" } });
  }
  await new Promise((r) => setTimeout(r, 200));
  say("each 'cmd output' line above is one container's own process list: its sleep is PID 1");
} finally {
  say("cleaning up");
  if (daemon && daemon.exitCode === null) {
    daemon.kill("SIGTERM");
    await new Promise((r) => daemon.once("exit", r));
  }
  await pods.removeAll();
  pods.close();
  rmSync(dir, { recursive: true, force: true });
}
