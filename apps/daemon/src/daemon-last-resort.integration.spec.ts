import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { defaultTestContainerdSocket, startAppProcess, type AppProcess } from "@faultline/test-ground";

// The daemon's last-resort handlers, in the built daemon (dist) run as a real process by runDaemon
// with one kind whose ExecHelloWorldChaos handler misbehaves as the request's container id says:
// "background-rejection" starts work it never awaits, which rejects after the call answered;
// "fatal" throws from a timer (an uncaught exception: the process's state is unknown).
const daemonIndex = fileURLToPath(new URL("../dist/index.js", import.meta.url));
const chaosIndex = fileURLToPath(new URL("../../../libs/chaos/dist/index.js", import.meta.url));
const misbehavingDaemon = `
import { runDaemonProcess } from ${JSON.stringify(daemonIndex)};
import { builtInChaosKinds } from ${JSON.stringify(chaosIndex)};
const misbehaving = {
  ...builtInChaosKinds.find((k) => k.crd.spec.names.kind === "HelloWorldChaos"),
  daemon: () => ({
    async execHelloWorldChaos(req) {
      if (req.containerId === "background-rejection") {
        new Promise((_, reject) => setTimeout(() => reject(new Error("background work failed")), 20));
      }
      if (req.containerId === "fatal") {
        setTimeout(() => { throw new Error("state corrupted"); }, 20);
      }
      return {};
    },
  }),
};
runDaemonProcess({ kinds: [misbehaving] });
`;

describe("faultline daemon last-resort handlers", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-daemon-last-resort-"));
  const main = join(dir, "misbehaving-daemon.mjs");
  writeFileSync(main, misbehavingDaemon);
  const daemons: AppProcess[] = [];
  afterAll(async () => {
    for (const d of daemons) await d.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const start = async (name: string) => {
    const socket = join(dir, `${name}.sock`);
    const daemon = await startAppProcess(
      main,
      ["--grpc-socket", socket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", defaultTestContainerdSocket()],
      (l) => l.message === "faultline daemon serving",
    );
    daemons.push(daemon);
    const client = createClient(
      ChaosDaemon,
      createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(socket) } }),
    );
    return { daemon, client, socket };
  };

  it("a handler's background promise that rejects is logged as JSON and the daemon serves on", async () => {
    const { daemon, client } = await start("rejection");
    await client.execHelloWorldChaos({ containerId: "background-rejection" });
    const line = await daemon.waitFor((l) => l["lastResort"] === "unhandledRejection");
    expect(line).toMatchObject({ level: "error", component: "faultline-daemon", error: "background work failed" });
    // the same process answers the next call
    await expect(client.execHelloWorldChaos({ containerId: "ok" })).resolves.toBeDefined();
    expect(daemon.process.exitCode).toBeNull();
    expect(daemon.stderr()).toBe("");
  }, 30_000);

  it("an uncaught exception is logged as a fatal JSON line, the server closed (socket removed), exit 1", async () => {
    const { daemon, client, socket } = await start("fatal");
    await client.execHelloWorldChaos({ containerId: "fatal" });
    expect(await daemon.exited).toEqual({ code: 1, signal: null });
    expect(daemon.lines.find((l) => l["fatal"] === true)).toMatchObject({
      level: "error",
      component: "faultline-daemon",
      lastResort: "uncaughtException",
      error: "state corrupted",
    });
    expect(existsSync(socket)).toBe(false);
    expect(daemon.stderr()).toBe("");
  }, 30_000);
});
