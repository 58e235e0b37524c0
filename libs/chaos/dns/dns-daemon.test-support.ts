// Test support: a daemon server with only the DNSChaos handlers, on a unix socket, over the
// private containerd, its JSON log collected line by line; its interception state in a directory
// of its own unless told (a second daemon given the same directory is the first one restarted).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { defaultTestContainerdSocket } from "@faultline/test-ground";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer } from "@faultline/daemon-server";
import { createDnsChaosDaemon, type DnsChaosDaemon, type DnsChaosDaemonOptions } from "./dns-chaos-daemon.js";

export interface DNSChaosTestDaemon {
  socketPath: string;
  /** The interception state directory it uses. */
  stateDir: string;
  /** Every log line so far (the server's and the reconcile loop's), parsed. */
  lines: { [key: string]: unknown }[];
  daemon: DnsChaosDaemon;
  /** Stops serving and the reconcile loop; leaves the interceptors and their state as a killed daemon would. */
  stop(): Promise<void>;
}

export async function startDNSChaosTestDaemon(options: DnsChaosDaemonOptions = {}): Promise<DNSChaosTestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-dns-"));
  const socketPath = join(dir, "daemon.sock");
  const stateDir = options.stateDir ?? join(dir, "state");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopLoop = new AbortController();
  const daemon = createDnsChaosDaemon(
    { runtime, runner: new NamespaceProcessRunner() },
    { reconcileIntervalMs: 500, onReconcile: (event) => lines.push(event), ...options, stateDir, signal: stopLoop.signal },
  );
  const server = createDaemonServer({ handlers: new DaemonHandlerRegistry().register("DNSChaos", daemon.handlers), logger: createDaemonLogger({ format: "json", stream }) });
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
