// Test support: a daemon server with only the IOChaos handlers, on a unix socket, over the
// private containerd, its JSON log collected line by line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer } from "@faultline/daemon-server";
import { ioChaosDaemon } from "./io-chaos-daemon.js";

export interface IOChaosTestDaemon {
  socketPath: string;
  /** Every log line so far, parsed. */
  lines: { [key: string]: unknown }[];
  stop(): Promise<void>;
}

export async function startIOChaosTestDaemon(): Promise<IOChaosTestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-io-"));
  const socketPath = join(dir, "daemon.sock");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const server = createDaemonServer({
    handlers: new DaemonHandlerRegistry().register("IOChaos", ioChaosDaemon({ runtime, runner: new NamespaceProcessRunner() })),
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
