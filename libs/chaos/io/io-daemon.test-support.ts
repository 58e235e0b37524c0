// Test support: a daemon server with only IOChaos's handlers, on a unix socket, over the private
// containerd and the real faultline-iofs and faultline-fd-swap helpers, its JSON log (and the
// watch's) collected line by line; its state in a directory of its own unless told (a second daemon
// given the same directory is the first one restarted). And busybox containers with a volume: a
// tmpfs mounted at a path inside the container's mount namespace, as an emptyDir (medium Memory) is.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner, NodeCapabilityProbe, createDaemonLogger, createDaemonServer, nodeCapabilityHandlers } from "@faultline/daemon-server";
import { defaultTestContainerdSocket, type CriPodFixture } from "@faultline/test-ground";
import { createFdSwapHelper } from "./fd-swap-helper.js";
import { ensureFdSwapBinary } from "./fd-swap-helper.test-support.js";
import { createIOChaosDaemon, type IOChaosDaemon, type IOChaosDaemonOptions } from "./io-chaos-daemon.js";
import { ioFdSwapperOf, ioFsHelperOf } from "./io-helper-adapters.js";
import { createIofsHelper } from "./iofs-helper.js";
import { ensureIofsBinary, ioNativeDir } from "./iofs-helper.test-support.js";

export interface IOChaosTestDaemon {
  socketPath: string;
  stateDir: string;
  /** Every log line so far (the server's and the watch's), parsed. */
  lines: { [key: string]: unknown }[];
  daemon: IOChaosDaemon;
  /** Stops serving and the watch; leaves the FUSE servers as a killed daemon would. */
  stop(): Promise<void>;
  /** Drops the daemon at once (its watch aborted, its connections cut with no grace, nothing recovered): a SIGKILLed daemon as far as its servers can tell. */
  kill(): Promise<void>;
}

/** The real helpers, built if stale. */
export function realIOHelpers() {
  return { iofs: ioFsHelperOf(createIofsHelper({ binary: ensureIofsBinary() })), fdSwap: ioFdSwapperOf(createFdSwapHelper({ binary: ensureFdSwapBinary() })) };
}

/**
 * Starts IOChaos's daemon side with the real helpers, its watch every second unless told; with
 * `capabilities`, GetNodeCapabilities too (the real probe, the helpers named).
 */
export async function startIOChaosTestDaemon(options: IOChaosDaemonOptions & { capabilities?: { iofsHelper: string; fdSwapHelper: string } } = {}): Promise<IOChaosTestDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "faultline-io-"));
  const socketPath = join(dir, "daemon.sock");
  const stateDir = options.stateDir ?? join(dir, "state");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopWatch = new AbortController();
  const daemon = createIOChaosDaemon({ runtime, runner: new NamespaceProcessRunner() }, { ...realIOHelpers(), onWatch: (event) => lines.push(event), ...options, stateDir, signal: stopWatch.signal });
  const registry = new DaemonHandlerRegistry().register("IOChaos", daemon.handlers);
  if (options.capabilities) registry.register("node", nodeCapabilityHandlers(new NodeCapabilityProbe({ runner: new NamespaceProcessRunner(), ...options.capabilities })));
  const server = createDaemonServer({ handlers: registry, logger: createDaemonLogger({ format: "json", stream }) });
  await server.listen({ socketPath });
  return {
    socketPath,
    stateDir,
    lines,
    daemon,
    async stop() {
      stopWatch.abort();
      await server.close(1000);
      runtime.close();
      rmSync(socketPath, { force: true });
    },
    async kill() {
      stopWatch.abort();
      await server.close(0);
      runtime.close();
      rmSync(socketPath, { force: true });
    },
  };
}

/**
 * A faultline-fd-swap that exits 3 (saying nothing) while `flag` exists, and is the real one
 * otherwise: a helper failing after the mount is there.
 */
export function failingFdSwap(flag: string) {
  const script = join(mkdtempSync(join(tmpdir(), "faultline-fd-swap-fail-")), "fd-swap");
  writeFileSync(script, `#!/bin/sh\n[ -e ${flag} ] && { echo "fd-swap refused by the test" >&2; exit 3; }\nexec ${ensureFdSwapBinary()} "$@"\n`);
  chmodSync(script, 0o755);
  return ioFdSwapperOf(createFdSwapHelper({ binary: script }));
}

/** The cgroup lines of a process (/proc/<pid>/cgroup). */
export const cgroupOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, "utf8").trim();

/** Mounts a tmpfs at `path` inside the container's mount namespace (the container's own `mount`, through nsenter). */
export function mountVolume(pid: number, path: string): void {
  mkdirSync(`/proc/${pid}/root${path}`, { recursive: true });
  execFileSync("nsenter", ["-t", String(pid), "-m", "--", "mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", path], { stdio: "pipe" });
}

/** The mountinfo lines of the container at `path` (what is mounted there, top last). */
export function mountsAt(pid: number, path: string): string[] {
  return readFileSync(`/proc/${pid}/mountinfo`, "utf8")
    .split("\n")
    .filter((l) => l.split(" ")[4] === path);
}
/** Whether the mount on top at `path` in the container is faultline-iofs's. */
export const faultedAt = (pid: number, path: string) => mountsAt(pid, path).at(-1)?.includes(" - fuse.faultline-iofs ") === true;

/** Runs the container's own `cat` on a file inside its mount namespace: its stdout, or its failure (exit status and stderr). */
export function catIn(pid: number, file: string): { ok: true; data: Buffer } | { ok: false; stderr: string } {
  try {
    return { ok: true, data: execFileSync("nsenter", ["-t", String(pid), "-m", "--", "cat", file], { stdio: "pipe", timeout: 20_000 }) };
  } catch (error) {
    return { ok: false, stderr: String((error as { stderr?: Buffer }).stderr ?? (error as Error).message) };
  }
}

let staticHolder: string | undefined;
/** faultline-fd-swap's fd-holder test target (native/targets/fd-holder.c), linked statically so it runs in the busybox image. */
export function staticFdHolder(): string {
  if (staticHolder !== undefined && existsSync(staticHolder)) return staticHolder;
  const out = join(mkdtempSync(join(tmpdir(), "faultline-fd-holder-")), "fd-holder");
  execFileSync("gcc", ["-std=gnu11", "-O2", "-static", "-pthread", "-o", out, join(ioNativeDir, "targets", "fd-holder.c")], { stdio: "pipe" });
  return (staticHolder = out);
}

/** One line of the fd-holder: what its descriptor on read.txt (at offset 4) and its cwd reach. */
export interface HolderLine {
  pid: number;
  reader: { dev: number; ino: number; off: number; read: string };
  cwd: { dev: number; read: string };
}

/**
 * Starts a busybox container with a tmpfs volume at `/data` holding read.txt ("0123456789"),
 * write.txt and cwd.txt, and, once they are there, the fd-holder exec'd as its first process, its
 * descriptors and cwd under /data (it prints a line every 100 ms or so to /tmp/holder.log).
 */
export async function startHolderContainer(pods: CriPodFixture, name: string): Promise<{ containerId: string; pid: number; lines: () => HolderLine[] }> {
  const { containerId, pid } = await pods.startContainer({ name, command: ["sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exec /tmp/holder --dir /data > /tmp/holder.log"] });
  const root = `/proc/${pid}/root`;
  mountVolume(pid, "/data");
  writeFileSync(`${root}/data/read.txt`, "0123456789");
  writeFileSync(`${root}/data/write.txt`, "");
  writeFileSync(`${root}/data/cwd.txt`, "cwd!");
  mkdirSync(`${root}/tmp`, { recursive: true });
  copyFileSync(staticFdHolder(), `${root}/tmp/holder.part`);
  chmodSync(`${root}/tmp/holder.part`, 0o755);
  renameSync(`${root}/tmp/holder.part`, `${root}/tmp/holder`);
  writeFileSync(`${root}/tmp/go`, "");
  const lines = (): HolderLine[] => {
    try {
      return readFileSync(`${root}/tmp/holder.log`, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{") && l.endsWith("}"))
        .map((l) => JSON.parse(l) as HolderLine);
    } catch {
      return [];
    }
  };
  return { containerId, pid, lines };
}
