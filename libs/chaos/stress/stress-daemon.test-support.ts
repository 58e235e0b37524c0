// Test support: a daemon server with only the StressChaos handlers, on a unix socket, over the
// private containerd, its JSON log collected line by line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer } from "@faultline/daemon-server";
import { stressChaosDaemon } from "./stress-chaos-daemon.js";

export interface StressChaosTestDaemon {
  socketPath: string;
  /** Every log line so far, parsed. */
  lines: { [key: string]: unknown }[];
  stop(): Promise<void>;
}

/** Starts the daemon server; `containerdSocket` defaults to the private test runtime's. */
export async function startStressChaosTestDaemon(containerdSocket = defaultTestContainerdSocket()): Promise<StressChaosTestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-stress-"));
  const socketPath = join(dir, "daemon.sock");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: containerdSocket } });
  const server = createDaemonServer({
    handlers: new DaemonHandlerRegistry().register("StressChaos", stressChaosDaemon({ runtime, runner: new NamespaceProcessRunner() })),
    logger: createDaemonLogger({ format: "json", stream }),
  });
  await server.listen({ socketPath });
  return {
    socketPath,
    lines,
    async stop() {
      await server.close(1000);
      runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
