import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, toConnectError, type DaemonHandlers } from "@faultline/daemon-server";
import { KeyedLock } from "../pod-netns-process/keyed-lock.js";
import { nodeRunPath } from "../pod-netns-process/node-run-path.js";
import { atomicWrite } from "../pod-netns-process/pod-state-dir.js";
import { checkContainerId, checkRecordKey, precondition } from "../pod-netns-process/pod-request-validation.js";
import { reconcileLoop } from "../pod-netns-process/reconcile-loop.js";
import { containerLeader, containerPids, containerProcsFiles } from "../container-processes/container-processes.js";
import { defaultHostPaths, type HostPaths } from "../stress/cgroup-target.js";
import { checkVolumePath, maxIOActionsPerVolume, mergedIOActions, normalVolumePath, parseIOAction, parseIOActions, renderIOConfig, type IOChaosAction } from "./io-action.js";
import { defaultIOHelpers } from "./io-helper-adapters.js";
import { iofsMountIdIn, ioServerKey, type IOFdSwapOutcome, type IOFdSwapper, type IOFsHelper } from "./io-helpers.js";

/** What the watch tells: one event, `message` and fields. */
export type IOWatchEvent = { [field: string]: unknown; message: string };

/** Options of IOChaos's daemon side; the defaults are what the daemon image has. */
export interface IOChaosDaemonOptions {
  /** The FUSE server helper; default the faultline-iofs wrapper. */
  iofs?: IOFsHelper;
  /** The descriptor swap helper; default the faultline-fd-swap wrapper. */
  fdSwap?: IOFdSwapper;
  /** Where the volumes' state is kept; default `$FAULTLINE_IO_STATE_DIR`, else the node's /run/faultline/io. */
  stateDir?: string;
  /** The host's procfs and cgroup root; default `/proc` and `/sys/fs/cgroup`. */
  paths?: HostPaths;
  /** How often the volumes' servers are checked; default 1000 ms; 0: never (tests call `watch`). */
  watchIntervalMs?: number;
  /** Stops the watch. */
  signal?: AbortSignal;
  /** Signals a server (SIGHUP, SIGTERM); default `process.kill` (tests give their own). */
  kill?: (pid: number, signal: NodeJS.Signals) => void;
  /** Where the watch tells what it did; default one JSON line on stdout. */
  onWatch?: (event: IOWatchEvent) => void;
}

/** The FUSE server serving a volume: its pid, its start (clock ticks since boot, and ms since the epoch) and its watchdog. */
export interface IOServerState {
  pid: number;
  startTicks: string;
  startTimeMs: number;
  watchdog: number;
  /** Its FUSE mount's id in the container's mountinfo (what the processes are switched back from). */
  mountId?: number;
  /** Started, but the processes not yet switched onto it nor its config written (the daemon died meanwhile: the watch finishes it). */
  starting?: boolean;
}

/** One (container, volume)'s file in the state directory. */
export interface IOVolumeState {
  containerId: string;
  volumePath: string;
  /** The server key (`ioServerKey`), what the server's argv carries. */
  key: string;
  /** record key → its action (ExecIOChaos). */
  records: { [recordKey: string]: IOChaosAction };
  /** ApplyIOChaos's set (Chaos Mesh's), before the records. */
  applied: IOChaosAction[];
  server?: IOServerState;
  /** The volume's path as the helper resolved it in the container (symlinks followed): what mountinfo and fd-swap see. */
  resolvedPath?: string;
  /**
   * The mount is off (or being taken off) but switching the processes back from it failed: the watch
   * retries, and so does Recover (Unavailable until done); `recordKeys` are the records recovered meanwhile.
   */
  swapBack?: { mountId?: number; recordKeys: string[] };
}

/** The default state directory: {@link nodeRunPath} of `io`. */
export function defaultIOStateDir(procRoot: string): string {
  return nodeRunPath(procRoot, "io", "FAULTLINE_IO_STATE_DIR");
}

/** `volumes/<key>.json` per (container, volume) with actions, each written atomically, and its server's config `volumes/<key>.conf`. */
export class IOStateDir {
  constructor(readonly root: string) {}

  file(key: string): string {
    return join(this.root, "volumes", `${key}.json`);
  }

  configFile(key: string): string {
    return join(this.root, "volumes", `${key}.conf`);
  }

  read(key: string): IOVolumeState | undefined {
    try {
      return JSON.parse(readFileSync(this.file(key), "utf8")) as IOVolumeState;
    } catch {
      return undefined;
    }
  }

  write(state: IOVolumeState): void {
    mkdirSync(join(this.root, "volumes"), { recursive: true, mode: 0o700 });
    atomicWrite(this.file(state.key), `${JSON.stringify(state)}\n`, 0o600);
  }

  /** Writes the server's config for these actions (atomically: the server re-reads it by name on SIGHUP). */
  writeConfig(key: string, actions: readonly IOChaosAction[]): string {
    mkdirSync(join(this.root, "volumes"), { recursive: true, mode: 0o700 });
    atomicWrite(this.configFile(key), renderIOConfig(actions), 0o600);
    return this.configFile(key);
  }

  /** The server's log (`serve --log`): its SIGHUP lines tell the daemon that a config was read. */
  logFile(key: string): string {
    return join(this.root, "volumes", `${key}.log`);
  }

  remove(key: string): void {
    rmSync(this.file(key), { force: true });
    rmSync(this.configFile(key), { force: true });
    rmSync(this.logFile(key), { force: true });
  }

  keys(): string[] {
    try {
      return readdirSync(join(this.root, "volumes"))
        .filter((n) => n.endsWith(".json"))
        .map((n) => n.slice(0, -".json".length));
    } catch {
      return [];
    }
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), undefined when it is gone. */
export async function processStartTicks(procRoot: string, pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(join(procRoot, String(pid), "stat"), "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Whether /proc/<pid>/cmdline is `faultline-iofs serve … --key <key>` (a pid reused by anything else is not ours). */
export async function isIOServer(procRoot: string, pid: number, key: string): Promise<boolean> {
  try {
    const argv = (await readFile(join(procRoot, String(pid), "cmdline"), "utf8")).split("\0");
    const k = argv.indexOf("--key");
    return argv.includes("serve") && k >= 0 && argv[k + 1] === key && argv.some((a) => a.endsWith("faultline-iofs"));
  } catch {
    return false;
  }
}

/** Whether /proc/<pid>/cmdline is any faultline-iofs (a server or watchdog of any volume). */
async function isIofsProcess(procRoot: string, pid: number): Promise<boolean> {
  try {
    return (await readFile(join(procRoot, String(pid), "cmdline"), "utf8")).split("\0")[0]!.endsWith("faultline-iofs");
  } catch {
    return false;
  }
}

/** ms since the epoch of a start time in clock ticks since boot (USER_HZ 100, /proc/stat's btime). */
async function startTimeMsOf(procRoot: string, ticks: string): Promise<number> {
  const stat = await readFile(join(procRoot, "stat"), "utf8");
  const btime = Number(/^btime (\d+)$/m.exec(stat)?.[1] ?? 0);
  return btime * 1000 + Number(ticks) * 10;
}

/** IOChaos's daemon side: its handlers, the watch pass its loop runs (tests call it themselves) and its state. */
export interface IOChaosDaemon {
  handlers: DaemonHandlers;
  watch(): Promise<void>;
  state: IOStateDir;
}

/** How long the daemon waits for a server to say (on its log) that it re-read its config after SIGHUP. */
const reloadTimeoutMs = 3000;

/**
 * The daemon side of IOChaos (see README.md): per (container, volume) one FUSE server serving the
 * merged actions of ApplyIOChaos's set and every ExecIOChaos record on it.
 */
export function ioChaosDaemon(deps: DaemonKindDeps, options: IOChaosDaemonOptions = {}): DaemonHandlers {
  return createIOChaosDaemon(deps, options).handlers;
}

/** {@link ioChaosDaemon}'s handlers with its watch pass. */
export function createIOChaosDaemon(deps: DaemonKindDeps, options: IOChaosDaemonOptions = {}): IOChaosDaemon {
  const paths = options.paths ?? defaultHostPaths;
  let helpers: { iofs: IOFsHelper; fdSwap: IOFdSwapper } | undefined;
  const iofs = () => options.iofs ?? (helpers ??= defaultIOHelpers()).iofs;
  const fdSwap = () => options.fdSwap ?? (helpers ??= defaultIOHelpers()).fdSwap;
  let stateDir: IOStateDir | undefined;
  const state = () => (stateDir ??= new IOStateDir(options.stateDir ?? defaultIOStateDir(paths.procRoot)));
  const lock = new KeyedLock();
  const tell = options.onWatch ?? ((event) => console.log(JSON.stringify({ level: "info", time: new Date().toISOString(), ...event })));

  const leaderOf = (containerId: string, signal?: AbortSignal) => containerLeader(deps.runtime, containerId, signal);
  /**
   * The container's processes to switch: every pid of its cgroup but the FUSE servers and watchdogs
   * (`--join-cgroup` puts them there; switching a server's own O_PATH fd of the volume onto its own
   * mount would deadlock it on itself).
   */
  const pidsOf = async (leader: number) => {
    const pids: number[] = [];
    for (const pid of await containerPids(leader, paths)) if (!(await isIofsProcess(paths.procRoot, pid))) pids.push(pid);
    return pids;
  };
  /** Where the volume is as the container's mountinfo and fd-swap see it. */
  const pathOf = (st: IOVolumeState) => st.resolvedPath ?? st.volumePath;

  /** The volume's server if it still runs (same pid, same start, its argv), else undefined. */
  async function liveServer(st: IOVolumeState): Promise<IOServerState | undefined> {
    if (st.server === undefined) return undefined;
    const ticks = await processStartTicks(paths.procRoot, st.server.pid);
    if (ticks !== st.server.startTicks || !(await isIOServer(paths.procRoot, st.server.pid, st.key))) return undefined;
    return st.server;
  }

  /** Whether the server's watchdog (its parent, the same argv) still runs. */
  const watchdogAlive = (server: IOServerState, key: string) => isIOServer(paths.procRoot, server.watchdog, key);

  /** A server of this key the state does not name (the daemon died between serve and its state write). */
  async function strayServers(key: string, except?: number): Promise<number[]> {
    const found: number[] = [];
    for (const name of await readdir(paths.procRoot).catch(() => [] as string[])) {
      if (!/^\d+$/.test(name) || Number(name) === except) continue;
      if (await isIOServer(paths.procRoot, Number(name), key)) found.push(Number(name));
    }
    return found;
  }

  /** The id of our FUSE mount at the volume in the leader's mount namespace, undefined when the mount there is not ours. */
  const mountIdAt = async (leader: number, volumePath: string) =>
    iofsMountIdIn(await readFile(join(paths.procRoot, String(leader), "mountinfo"), "utf8").catch(() => ""), volumePath);

  const signalProcess = (pid: number, signal: NodeJS.Signals) => {
    try {
      if (options.kill) options.kill(pid, signal);
      else process.kill(pid, signal);
    } catch {
      // gone meanwhile
    }
  };

  const swapSummary = (outcomes: IOFdSwapOutcome[]) => ({
    processes: outcomes.length,
    swapped: outcomes.reduce((n, o) => n + o.swapped, 0),
    cwds: outcomes.filter((o) => o.cwd).length,
    mappingsNotSwitched: outcomes.reduce((n, o) => n + o.mappings, 0),
    failed: outcomes.filter((o) => o.state === "error").map((o) => ({ pid: o.pid, error: o.error })),
  });

  const sighupLines = (key: string) => {
    try {
      return readFileSync(state().logFile(key), "utf8").split("\n").filter((l) => l.includes("SIGHUP: ")).length;
    } catch {
      return 0;
    }
  };

  /** Writes the config and SIGHUPs the server; resolves once its log says it read it (Unavailable if it does not within 3 s). */
  async function reload(st: IOVolumeState, server: IOServerState): Promise<void> {
    state().writeConfig(st.key, mergedIOActions(st.applied, st.records));
    const before = sighupLines(st.key);
    signalProcess(server.pid, "SIGHUP");
    const until = Date.now() + reloadTimeoutMs;
    while (sighupLines(st.key) <= before) {
      if (Date.now() > until) throw new ConnectError(`container ${st.containerId}: volume ${st.volumePath}: its FUSE server ${server.pid} did not re-read its config within ${reloadTimeoutMs} ms`, Code.Unavailable);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Takes the volume's fault off: SIGTERM to its servers, the mount unmounted if still ours, the
   * processes switched back from it. When unmounting or a process's swap-back fails, the state is
   * kept marked `swapBack` (the watch and Recover retry) and Unavailable is thrown. Leaves
   * `st.server` unset; does not remove the state.
   */
  async function takeOff(st: IOVolumeState, leader: number, dropping: string[] = []): Promise<ReturnType<typeof swapSummary>> {
    const live = await liveServer(st);
    if (live !== undefined) signalProcess(live.pid, "SIGTERM");
    for (const pid of await strayServers(st.key)) signalProcess(pid, "SIGTERM");
    const mountId = (await mountIdAt(leader, pathOf(st))) ?? st.server?.mountId ?? st.swapBack?.mountId;
    delete st.server;
    let failure: string | undefined;
    let swap: ReturnType<typeof swapSummary> | undefined;
    try {
      await iofs().unmount(leader, st.volumePath);
      swap = swapSummary(await fdSwap().swap(pathOf(st), await pidsOf(leader), undefined, mountId));
      if (swap.failed.length > 0) failure = swap.failed.map((f) => `process ${f.pid}: ${f.error}`).join("; ");
    } catch (error) {
      failure = (error as Error).message;
    }
    if (failure !== undefined) {
      st.swapBack = { ...(mountId !== undefined && { mountId }), recordKeys: [...new Set([...(st.swapBack?.recordKeys ?? []), ...dropping])] };
      state().write(st);
      throw new ConnectError(`container ${st.containerId}: volume ${st.volumePath}: the fault is off but switching the processes back failed (${failure}); retried`, Code.Unavailable);
    }
    delete st.swapBack;
    return swap!;
  }

  /** Takes the fault off and drops the state; with the container gone, only ends its servers. */
  async function teardown(st: IOVolumeState, leader: number | undefined, dropping: string[] = []): Promise<{ swap?: ReturnType<typeof swapSummary> }> {
    if (leader === undefined) {
      const live = await liveServer(st);
      if (live !== undefined) signalProcess(live.pid, "SIGTERM");
      for (const pid of await strayServers(st.key)) signalProcess(pid, "SIGTERM");
      state().remove(st.key);
      return {};
    }
    const swap = await takeOff(st, leader, dropping);
    state().remove(st.key);
    return { swap };
  }

  /** Switches the container's processes onto the new server's mount, then puts the actions in force (config + SIGHUP). */
  async function finishStart(st: IOVolumeState, leader: number, server: IOServerState) {
    const swap = swapSummary(await fdSwap().swap(pathOf(st), await pidsOf(leader)));
    await reload(st, server);
    delete server.starting;
    state().write(st);
    return swap;
  }

  /**
   * Puts `st`'s actions in force: the config rewritten, then SIGHUP to the live server; or, with no
   * live server, `check` (FailedPrecondition with its reason, nothing touched), what of ours is left
   * taken off, `serve` with NO action (so the swap's remote opens do not go through a fault), the
   * container's processes switched onto it, then the config written and SIGHUP. Any failure after
   * `serve` takes the new mount off again before it is thrown. `st.server` is set and the state written.
   */
  async function ensureServing(st: IOVolumeState, leader: number, signal?: AbortSignal): Promise<{ started: boolean; swap?: ReturnType<typeof swapSummary> }> {
    const live = await liveServer(st);
    if (live !== undefined && !live.starting) {
      await reload(st, live);
      state().write(st);
      return { started: false };
    }
    const checked = await iofs().check(leader, st.volumePath, signal);
    if (!checked.ok) throw precondition(`container ${st.containerId}: volume ${st.volumePath} cannot be faulted: ${checked.reason}; nothing was mounted`);
    if (checked.path !== undefined) st.resolvedPath = checked.path;
    // a mount of ours left by a server gone (or half started), or processes still to switch back: off first
    if (checked.faulted || st.swapBack !== undefined || st.server !== undefined || (await strayServers(st.key)).length > 0) await takeOff(st, leader);
    const configFile = state().writeConfig(st.key, []);
    const joinCgroups = await containerProcsFiles(leader, paths);
    let started;
    try {
      started = await iofs().serve(leader, st.volumePath, configFile, st.key, { log: state().logFile(st.key), joinCgroups });
    } catch (error) {
      // serve refused or died: whatever it may have mounted comes off (idempotent)
      await iofs().unmount(leader, st.volumePath).catch(() => undefined);
      if (error instanceof ConnectError) throw error;
      throw precondition(`container ${st.containerId}: volume ${st.volumePath} cannot be faulted: ${(error as Error).message}; nothing was mounted`);
    }
    if (started.path !== undefined) st.resolvedPath = started.path;
    const startTicks = (await processStartTicks(paths.procRoot, started.pid)) ?? "0";
    const mountId = await mountIdAt(leader, pathOf(st));
    const server: IOServerState = { pid: started.pid, watchdog: started.watchdog, startTicks, startTimeMs: await startTimeMsOf(paths.procRoot, startTicks).catch(() => 0), ...(mountId !== undefined && { mountId }), starting: true };
    st.server = server;
    state().write(st);
    try {
      return { started: true, swap: await finishStart(st, leader, server) };
    } catch (error) {
      st.server = server;
      // the new mount off again; if that fails too, the state says so (swapBack) and the watch retries
      await takeOff(st, leader).catch(() => undefined);
      throw error;
    }
  }

  /** Validates the (container, volume) fields; returns the normalised volume path and the server key. */
  function volumeOf(containerId: string, volumePath: string, field: string): { volumePath: string; key: string } {
    checkContainerId(containerId);
    checkVolumePath(volumePath, field);
    const normal = normalVolumePath(volumePath);
    return { volumePath: normal, key: ioServerKey(containerId, normal) };
  }

  const fresh = (containerId: string, volumePath: string, key: string): IOVolumeState => ({ containerId, volumePath, key, records: {}, applied: [] });

  /**
   * After a failed update: the state as it was before (the actions of `before`), with what is true now
   * of the server and of a swap-back still pending; no state at all when nothing is left.
   */
  function restore(key: string, before: IOVolumeState | undefined): void {
    const now = state().read(key);
    const kept: IOVolumeState | undefined = before === undefined ? undefined : { ...before };
    if (kept !== undefined) {
      if (now?.server !== undefined) kept.server = now.server;
      else delete kept.server;
      if (now?.swapBack !== undefined) kept.swapBack = now.swapBack;
      if (now?.resolvedPath !== undefined) kept.resolvedPath = now.resolvedPath;
      state().write(kept);
      state().writeConfig(key, mergedIOActions(kept.applied, kept.records));
      if (kept.server !== undefined && !kept.server.starting) signalProcess(kept.server.pid, "SIGHUP");
    } else if (now?.swapBack !== undefined) {
      state().write({ ...now, records: {}, applied: [] });
    } else {
      state().remove(key);
    }
  }

  const watch = reconcileLoop(
    () => state().keys(),
    (key) =>
      lock.run(key, async () => {
        const st = state().read(key);
        if (st === undefined) return;
        const leader = await leaderOf(st.containerId);
        if (leader === undefined) {
          await teardown(st, undefined);
          tell({ message: "IOChaos container gone: its fault went with its mount namespace", containerId: st.containerId, volumePath: st.volumePath, recordKeys: Object.keys(st.records) });
          return;
        }
        const inForce = mergedIOActions(st.applied, st.records).length > 0;
        if (st.swapBack !== undefined && !inForce) {
          const { swap } = await teardown(st, leader);
          tell({ message: "IOChaos processes switched back after an earlier failure: the volume is recovered", containerId: st.containerId, volumePath: st.volumePath, swap });
          return;
        }
        const live = await liveServer(st);
        if (live !== undefined && live.starting) {
          // the daemon died between serve and putting the actions in force: finished now
          const swap = await finishStart(st, leader, live);
          tell({ message: "IOChaos server found half started: its processes switched and its actions put in force", containerId: st.containerId, volumePath: st.volumePath, pid: live.pid, swap });
          return;
        }
        if (live !== undefined && (await watchdogAlive(live, st.key))) return;
        const dead = st.server;
        if (live !== undefined) {
          tell({ level: "warn", message: "IOChaos watchdog gone (the first line of defence if the server dies): the server pair is started again", containerId: st.containerId, volumePath: st.volumePath, pid: live.pid, watchdog: live.watchdog });
        }
        // the server died (SIGKILL, a crash) or lost its watchdog: its mount off, the processes back on the volume, then served again
        const back = await takeOff(st, leader);
        const outcome = await ensureServing(st, leader);
        tell({ message: "IOChaos server gone: the volume restored and served again", containerId: st.containerId, volumePath: st.volumePath, deadPid: dead?.pid, pid: st.server?.pid, back, ...outcome });
      }),
    (key, error) => tell({ level: "warn", message: "IOChaos watch failed on a volume: tried again", key, error: error.message }),
    options.watchIntervalMs ?? 1000,
    options.signal,
  );

  const handlers: DaemonHandlers = {
    async applyIOChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ApplyIOChaos", { request: { containerId: req.containerId, volume: req.volume, instance: String(req.instance), startTime: String(req.startTime), actions: req.actions.slice(0, 2000) } });
      try {
        const { volumePath, key } = volumeOf(req.containerId, req.volume, "volume");
        const actions = parseIOActions(req.actions);
        const outcome = await lock.run(key, async () => {
          const before = state().read(key);
          // Chaos Mesh's set replaces only the applied set: ExecIOChaos records on the volume stay
          const st: IOVolumeState = { ...(before ?? fresh(req.containerId, volumePath, key)), records: { ...(before?.records ?? {}) }, applied: actions };
          if (mergedIOActions(st.applied, st.records).length > maxIOActionsPerVolume) {
            throw new ConnectError(`container ${req.containerId}: volume ${volumePath} would carry more than ${maxIOActionsPerVolume} actions`, Code.ResourceExhausted);
          }
          if (mergedIOActions(st.applied, st.records).length === 0) {
            if (before === undefined) return { instance: 0n, startTime: 0n, recovered: false };
            const leader = await leaderOf(req.containerId, ctx.signal);
            const { swap } = await teardown(st, leader);
            return { instance: 0n, startTime: 0n, recovered: true, swap };
          }
          const leader = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
          if (actions.length === 0 && before !== undefined && before.applied.length === 0) return { instance: 0n, startTime: 0n, recovered: false };
          try {
            const served = await ensureServing(st, leader, ctx.signal);
            return { instance: actions.length === 0 ? 0n : BigInt(st.server!.pid), startTime: actions.length === 0 ? 0n : BigInt(st.server!.startTimeMs), ...served };
          } catch (error) {
            restore(key, before);
            throw error;
          }
        });
        log.info("IOChaos applied", { containerId: req.containerId, volumePath, actions: actions.length, ...outcome, instance: Number(outcome.instance), startTime: Number(outcome.startTime) });
        return { instance: outcome.instance, startTime: outcome.startTime, instanceUid: "" };
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async execIOChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("ExecIOChaos", { request: { containerId: req.containerId, volumePath: req.volumePath, recordKey: req.recordKey, action: req.action.slice(0, 2000) } });
      try {
        const { volumePath, key } = volumeOf(req.containerId, req.volumePath, "volumePath");
        checkRecordKey(req.recordKey);
        const action = parseIOAction(req.action);
        const outcome = await lock.run(key, async () => {
          const before = state().read(key);
          const leader = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
          const st: IOVolumeState = before === undefined ? fresh(req.containerId, volumePath, key) : { ...before, records: { ...before.records } };
          st.records[req.recordKey] = action;
          if (st.swapBack !== undefined) st.swapBack = { ...st.swapBack, recordKeys: st.swapBack.recordKeys.filter((k) => k !== req.recordKey) };
          if (mergedIOActions(st.applied, st.records).length > maxIOActionsPerVolume) {
            throw new ConnectError(`container ${req.containerId}: volume ${volumePath} already carries ${maxIOActionsPerVolume} actions: recover one first`, Code.ResourceExhausted);
          }
          try {
            const served = await ensureServing(st, leader, ctx.signal);
            return { pid: st.server?.pid, records: Object.keys(st.records).length, ...served };
          } catch (error) {
            restore(key, before);
            throw error;
          }
        });
        log.info("IOChaos injected", { containerId: req.containerId, volumePath, recordKey: req.recordKey, ...outcome });
        return {};
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async recoverIOChaos(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverIOChaos", { request: { containerId: req.containerId, volumePath: req.volumePath, recordKey: req.recordKey } });
      try {
        const { volumePath, key } = volumeOf(req.containerId, req.volumePath, "volumePath");
        checkRecordKey(req.recordKey);
        const outcome = await lock.run(key, async () => {
          const before = state().read(key);
          const pending = before?.swapBack?.recordKeys.includes(req.recordKey) === true;
          if (before === undefined || (!(req.recordKey in before.records) && !pending)) return { inForce: false };
          const leader = await leaderOf(req.containerId, ctx.signal);
          if (leader === undefined) {
            await teardown(before, undefined);
            return { containerGone: true };
          }
          const st: IOVolumeState = { ...before, records: { ...before.records } };
          delete st.records[req.recordKey];
          if (mergedIOActions(st.applied, st.records).length === 0) return { unmounted: true, ...(await teardown(st, leader, [req.recordKey])) };
          const served = await ensureServing(st, leader, ctx.signal);
          return { recordsLeft: Object.keys(st.records).length, ...served };
        });
        log.info("IOChaos recovered", { containerId: req.containerId, volumePath, recordKey: req.recordKey, ...outcome });
        return {};
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async listIOChaos(_req, ctx) {
      const injections: { recordKey: string; containerId: string; volumePath: string; action: string }[] = [];
      for (const key of state().keys()) {
        const listed = await lock.run(key, async () => {
          const st = state().read(key);
          if (st === undefined) return [];
          if ((await leaderOf(st.containerId, ctx.signal)) === undefined) {
            await teardown(st, undefined);
            return [];
          }
          return Object.entries(st.records).map(([recordKey, action]) => ({ recordKey, containerId: st.containerId, volumePath: st.volumePath, action: JSON.stringify(action) }));
        });
        injections.push(...listed);
      }
      requestLogger(ctx).info("ListIOChaos", { recordKeys: injections.length });
      return { injections };
    },
  };
  return { handlers, watch, state: state() };
}
