// Test support: a daemon server with only the TimeChaos handlers, on a unix socket, over the
// private containerd, its JSON log collected line by line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer } from "@faultline/daemon-server";
import { timeChaosDaemon } from "./time-chaos-daemon.js";

export interface TimeChaosTestDaemon {
  socketPath: string;
  /** Every log line so far, parsed. */
  lines: { [key: string]: unknown }[];
  stop(): Promise<void>;
}

export async function startTimeChaosTestDaemon(): Promise<TimeChaosTestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-time-"));
  const socketPath = join(dir, "daemon.sock");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const server = createDaemonServer({
    handlers: new DaemonHandlerRegistry().register("TimeChaos", timeChaosDaemon({ runtime, runner: new NamespaceProcessRunner() })),
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
