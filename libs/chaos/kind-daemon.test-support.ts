// Test support: a daemon server with only one kind's handlers, on a unix socket, over the private
// containerd, its JSON log collected line by line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer, type DaemonHandlers } from "@faultline/daemon-server";
import { defaultTestContainerdSocket } from "@faultline/test-ground";

export interface KindTestDaemon {
  socketPath: string;
  /** Every log line so far, parsed. */
  lines: { [key: string]: unknown }[];
  stop(): Promise<void>;
}

/**
 * Starts a daemon server serving `kind`'s handlers (made from the real runtime client and process
 * runner); `containerdSocket` defaults to the private test runtime's.
 */
export async function startKindTestDaemon(
  kind: string,
  handlers: (deps: DaemonKindDeps) => DaemonHandlers,
  containerdSocket = defaultTestContainerdSocket(),
): Promise<KindTestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), `faultline-${kind.toLowerCase()}-`));
  const socketPath = join(dir, "daemon.sock");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: containerdSocket } });
  const server = createDaemonServer({
    handlers: new DaemonHandlerRegistry().register(kind, handlers({ runtime, runner: new NamespaceProcessRunner() })),
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
