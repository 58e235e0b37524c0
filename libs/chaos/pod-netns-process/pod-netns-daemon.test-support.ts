// Test support: a daemon server with only one pod-netns-process kind's handlers (DNSChaos,
// HTTPChaos), on a unix socket, over the private containerd, its JSON log collected line by line;
// its state in a directory of its own unless told (a second daemon given the same directory is the
// first one restarted).
import net from "node:net";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { defaultTestContainerdSocket, eventually } from "@faultline/test-ground";
import { DaemonHandlerRegistry, NamespaceProcessRunner, createDaemonLogger, createDaemonServer, type DaemonHandlers } from "@faultline/daemon-server";
import { parseProcCgroup } from "../stress/cgroup-target.js";
import type { PodNetnsDaemonOptions } from "./pod-netns-daemon.js";

export interface PodNetnsTestDaemon<D> {
  socketPath: string;
  /** The state directory it uses. */
  stateDir: string;
  /** Every log line so far (the server's and the reconcile loop's), parsed. */
  lines: { [key: string]: unknown }[];
  daemon: D;
  /** Stops serving and the reconcile loop; leaves the pods' processes and their state as a killed daemon would. */
  stop(): Promise<void>;
}

/** Starts `kind`'s daemon side made by `create`, its reconcile loop every 500 ms unless told. */
export async function startPodNetnsTestDaemon<D extends { handlers: DaemonHandlers }, O extends PodNetnsDaemonOptions<unknown>>(
  kind: string,
  create: (deps: DaemonKindDeps, options: O) => D,
  options: O,
): Promise<PodNetnsTestDaemon<D>> {
  const dir = mkdtempSync(join(tmpdir(), `faultline-${kind.replace(/Chaos$/, "").toLowerCase()}-`));
  const socketPath = join(dir, "daemon.sock");
  const stateDir = options.stateDir ?? join(dir, "state");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopLoop = new AbortController();
  const daemon = create({ runtime, runner: new NamespaceProcessRunner() }, { reconcileIntervalMs: 500, onReconcile: (event) => lines.push(event), ...options, stateDir, signal: stopLoop.signal });
  const server = createDaemonServer({ handlers: new DaemonHandlerRegistry().register(kind, daemon.handlers), logger: createDaemonLogger({ format: "json", stream }) });
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

/** A ChaosDaemon gRPC client of a test daemon, over its unix socket. */
export const daemonClient = (d: { socketPath: string }) =>
  createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(d.socketPath) } }));

/** Every pod's state a test daemon keeps now (a pod directory without its state.json is left out). */
export function podStates<S>(d: { stateDir: string }): S[] {
  const dir = join(d.stateDir, "pods");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((k) => (existsSync(join(dir, k, "state.json")) ? [JSON.parse(readFileSync(join(dir, k, "state.json"), "utf8")) as S] : []));
}

/** Whether a process runs (and is not a zombie). */
export const processAlive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));

/** Retries an assertion until it holds (or the time is up, failing with its last error). */
export const until = (assertion: () => unknown, timeoutMs = 5000) =>
  eventually(
    "the assertion to hold",
    async () => {
      await assertion();
      return true;
    },
    timeoutMs,
    100,
  );

/**
 * Asserts a kind's process `pid` is confined as the launcher promises: uid `uid` (real, effective,
 * saved, fs), no effective capability, no new privileges, the pod's (`podPid`'s) network namespace,
 * the daemon's own mount namespace (nothing of the container's filesystem), the pod's cgroup (the
 * container's cgroup's parent).
 */
export function expectConfinedToPod(pid: number, podPid: number, uid: number): void {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, "m"));
  expect(status).toMatch(/^CapEff:\s+0+$/m);
  expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
  expect(readlinkSync(`/proc/${pid}/ns/net`)).toBe(readlinkSync(`/proc/${podPid}/ns/net`));
  expect(readlinkSync(`/proc/${pid}/ns/mnt`)).toBe(readlinkSync("/proc/self/ns/mnt"));
  const memoryCgroup = (p: number) => parseProcCgroup(readFileSync(`/proc/${p}/cgroup`, "utf8")).find((l) => l.controllers.includes("memory"))!.path;
  const containerCg = memoryCgroup(podPid);
  expect(memoryCgroup(pid)).toBe(containerCg.slice(0, containerCg.lastIndexOf("/")) || "/");
}
