// Test support: a daemon server with only the HTTPChaos handlers, on a unix socket, over the
// private containerd, its JSON log collected line by line; its state in a directory of its own
// unless told (a second daemon given the same directory is the first one restarted).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer } from "@faultline/daemon-server";
import { createHttpChaosDaemon, type HttpChaosDaemon, type HttpChaosDaemonOptions } from "./http-chaos-daemon.js";

export interface HTTPChaosTestDaemon {
  socketPath: string;
  /** The state directory it uses. */
  stateDir: string;
  /** Every log line so far (the server's and the reconcile loop's), parsed. */
  lines: { [key: string]: unknown }[];
  daemon: HttpChaosDaemon;
  /** Stops serving and the reconcile loop; leaves the proxies and their state as a killed daemon would. */
  stop(): Promise<void>;
}

export async function startHTTPChaosTestDaemon(options: HttpChaosDaemonOptions = {}): Promise<HTTPChaosTestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-http-"));
  const socketPath = join(dir, "daemon.sock");
  const stateDir = options.stateDir ?? join(dir, "state");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopLoop = new AbortController();
  const daemon = createHttpChaosDaemon({ runtime, runner: new NamespaceProcessRunner() }, { reconcileIntervalMs: 500, onReconcile: (event) => lines.push(event), ...options, stateDir, signal: stopLoop.signal });
  const server = createDaemonServer({ handlers: new DaemonHandlerRegistry().register("HTTPChaos", daemon.handlers), logger: createDaemonLogger({ format: "json", stream }) });
  await server.listen({ socketPath });
  return {
    socketPath,
    stateDir,
    lines,
    daemon,
    async stop() {
      stopLoop.abort();
      await server.close(1000);
      runtime.close();
      rmSync(socketPath, { force: true });
    },
  };
}
