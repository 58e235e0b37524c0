// Test support: a daemon server with only TimeChaos's handlers, on a unix socket, over the private
// containerd and the real faultline-time-skew helper, its JSON log (and the watch's) collected line
// by line; its state in a directory of its own unless told (a second daemon given the same
// directory is the first one restarted). And a container whose processes print their clocks.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, NamespaceProcessRunner, NodeCapabilityProbe, createDaemonLogger, createDaemonServer, nodeCapabilityHandlers } from "@faultline/daemon-server";
import { defaultTestContainerdSocket, eventually, type CriPodFixture } from "@faultline/test-ground";
import { createTimeChaosDaemon, type TimeChaosDaemon, type TimeChaosDaemonOptions } from "./time-chaos-daemon.js";
import { createTimeSkewHelper } from "./time-skew-helper.js";
import { ensureTimeSkewBinary, timeSkewNativeDir } from "./time-skew-helper.test-support.js";

export interface TimeChaosTestDaemon {
  socketPath: string;
  stateDir: string;
  /** Every log line so far (the server's and the watch's), parsed. */
  lines: { [key: string]: unknown }[];
  daemon: TimeChaosDaemon;
  /** Stops serving and the watch; leaves the processes as a killed daemon would. */
  stop(): Promise<void>;
}

/**
 * Starts TimeChaos's daemon side with the real helper, its watch every 200 ms unless told; with
 * `capabilities`, GetNodeCapabilities too (the real probe, its time-skew helper the one named).
 */
export async function startTimeChaosTestDaemon(options: TimeChaosDaemonOptions & { capabilities?: { timeSkewHelper: string } } = {}): Promise<TimeChaosTestDaemon> {
  const binary = ensureTimeSkewBinary();
  const dir = mkdtempSync(join(tmpdir(), "faultline-time-"));
  const socketPath = join(dir, "daemon.sock");
  const stateDir = options.stateDir ?? join(dir, "state");
  const lines: { [key: string]: unknown }[] = [];
  const stream = new PassThrough();
  stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => lines.push(JSON.parse(l))));
  const runtime = createContainerRuntimeClient({ sockets: { containerd: defaultTestContainerdSocket() } });
  const stopWatch = new AbortController();
  const daemon = createTimeChaosDaemon(
    { runtime, runner: new NamespaceProcessRunner() },
    { helper: createTimeSkewHelper({ binary }), onWatch: (event) => lines.push(event), ...options, stateDir, signal: stopWatch.signal },
  );
  const registry = new DaemonHandlerRegistry().register("TimeChaos", daemon.handlers);
  if (options.capabilities) registry.register("node", nodeCapabilityHandlers(new NodeCapabilityProbe({ runner: new NamespaceProcessRunner(), timeSkewHelper: options.capabilities.timeSkewHelper })));
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
  };
}

const staticTargets = new Map<string, string>();
/**
 * One of the helper's test targets (native/targets/<name>.c), linked statically so it runs in the
 * busybox image (which has no libc); static glibc still reads the clock through the vDSO.
 */
export function staticTarget(name: "clock-printer" | "vfork-parent"): string {
  const known = staticTargets.get(name);
  if (known !== undefined && existsSync(known)) return known;
  const out = join(mkdtempSync(join(tmpdir(), `faultline-${name}-`)), name);
  execFileSync("gcc", ["-std=gnu11", "-O2", "-static", "-o", out, join(timeSkewNativeDir, "targets", `${name}.c`)], { stdio: "pipe" });
  staticTargets.set(name, out);
  return out;
}
/** The clock-printer test target, static ({@link staticTarget}). */
export const staticClockPrinter = (): string => staticTarget("clock-printer");

/** One line of the clock printer: what each clock interface read, `raw` through a raw syscall (never skewed). */
export interface ClockLine {
  pid: number;
  realtime: number;
  monotonic: number;
  gettimeofday: number;
  time: number;
  raw: number;
}

/** A busybox container running clock printers, as {@link startClockContainer} starts it. */
export interface ClockContainer {
  containerId: string;
  /** The container's first process: a shell, which execs a clock printer when `startLater()` is called. */
  pid: number;
  /** The last line the printer started before any injection wrote (`before.log`). */
  before(): ClockLine | undefined;
  /** The lines of the printer the leader exec'd when told (`after.log`). */
  after(): ClockLine[];
  /** Has the leader exec a new clock printer (a process started now, not forked from a skewed one). */
  startLater(): void;
}

/**
 * Starts a busybox container whose shell waits for the clock printer to be copied in (through
 * `/proc/<pid>/root`), starts one in the background (writing `/tmp/before.log`), then, when told,
 * execs another (`/tmp/after.log`).
 */
export async function startClockContainer(pods: CriPodFixture, name: string): Promise<ClockContainer> {
  const script = "while [ ! -x /tmp/clock ]; do sleep 0.1; done; /tmp/clock > /tmp/before.log & while [ ! -e /tmp/go ]; do sleep 0.1; done; exec /tmp/clock > /tmp/after.log";
  const { containerId, pid } = await pods.startContainer({ name, command: ["sh", "-c", script] });
  const root = `/proc/${pid}/root`;
  mkdirSync(`${root}/tmp`, { recursive: true });
  copyFileSync(staticClockPrinter(), `${root}/tmp/clock.part`);
  chmodSync(`${root}/tmp/clock.part`, 0o755);
  renameSync(`${root}/tmp/clock.part`, `${root}/tmp/clock`);
  const lines = (file: string): ClockLine[] => {
    try {
      return readFileSync(`${root}/tmp/${file}`, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{") && l.endsWith("}"))
        .map((l) => JSON.parse(l) as ClockLine);
    } catch {
      return [];
    }
  };
  const container: ClockContainer = {
    containerId,
    pid,
    before: () => lines("before.log").at(-1),
    after: () => lines("after.log"),
    startLater: () => writeFileSync(`${root}/tmp/go`, ""),
  };
  await eventually("the clock printer to print", async () => container.before());
  return container;
}

/** The REALTIME offset a line shows: what clock_gettime said minus what the raw syscall said, in seconds. */
export const realtimeOffset = (line: ClockLine | undefined): number => (line === undefined ? NaN : line.realtime - line.raw);
