import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { requestLogger, toConnectError, type DaemonHandlers } from "@faultline/daemon-server";
import { KeyedLock } from "../pod-netns-process/keyed-lock.js";
import { nodeRunPath } from "../pod-netns-process/node-run-path.js";
import { atomicWrite } from "../pod-netns-process/pod-state-dir.js";
import { precondition } from "../pod-netns-process/pod-request-validation.js";
import { reconcileLoop } from "../pod-netns-process/reconcile-loop.js";
import { containerLeader, containerPids } from "../container-processes/container-processes.js";
import { defaultHostPaths, type HostPaths } from "../stress/cgroup-target.js";
import { createTimeSkewHelper, timeSkewKey, type ProcessSkewState, type TimeSkewHelper } from "./time-skew-helper.js";
import { timeSkewImageSize } from "./time-skew-helper.js";
import { TooManyOffsetsError, checkRecoverTimeRequest, sameEntries, skewEntryOf, withEntry, withoutEntry, type SkewEntry } from "./time-request.js";

/** What the watch tells: one event, `message` and fields. */
export type TimeWatchEvent = { [field: string]: unknown; message: string };

/** Options of TimeChaos's daemon side; the defaults are what the daemon image has. */
export interface TimeChaosDaemonOptions {
  /** The native helper's wrapper; default `createTimeSkewHelper()`. */
  helper?: TimeSkewHelper;
  /** Where the uids per container are kept; default `$FAULTLINE_TIME_STATE_DIR`, else the node's /run/faultline/time. */
  stateDir?: string;
  /** The host's procfs and cgroup root; default `/proc` and `/sys/fs/cgroup`. */
  paths?: HostPaths;
  /** How often the containers with offsets are checked for new processes; default 200 ms; 0: never (tests call `watch`). */
  watchIntervalMs?: number;
  /** Stops the watch. */
  signal?: AbortSignal;
  /** Where the watch tells what it did; default one JSON line on stdout. */
  onWatch?: (event: TimeWatchEvent) => void;
}

/** One container's file in the state directory: the uid of every key, and the entries it should carry. */
export interface ContainerTimeState {
  containerId: string;
  podContainerName: string;
  /** key (32 hex) → the uid it was made from. */
  uids: { [key: string]: string };
  /** The entries every process of the container is given (the watch gives them to new ones). */
  entries: SkewEntry[];
}

/** The default state directory: {@link nodeRunPath} of `time`. */
export function defaultTimeStateDir(procRoot: string): string {
  return nodeRunPath(procRoot, "time", "FAULTLINE_TIME_STATE_DIR");
}

/** `containers/<runtime>_<id>.json` per container with offsets, each written atomically. */
export class TimeStateDir {
  constructor(readonly root: string) {}

  file(containerId: string): string {
    return join(this.root, "containers", `${containerId.replace("://", "_")}.json`);
  }

  read(containerId: string): ContainerTimeState | undefined {
    try {
      return JSON.parse(readFileSync(this.file(containerId), "utf8")) as ContainerTimeState;
    } catch {
      return undefined;
    }
  }

  write(state: ContainerTimeState): void {
    mkdirSync(join(this.root, "containers"), { recursive: true, mode: 0o700 });
    atomicWrite(this.file(state.containerId), `${JSON.stringify(state)}\n`, 0o600);
  }

  remove(containerId: string): void {
    rmSync(this.file(containerId), { force: true });
  }

  containerIds(): string[] {
    try {
      return readdirSync(join(this.root, "containers"))
        .filter((n) => n.endsWith(".json"))
        .map((n) => this.readFile(join(this.root, "containers", n))?.containerId)
        .filter((id): id is string => id !== undefined);
    } catch {
      return [];
    }
  }

  private readFile(path: string): ContainerTimeState | undefined {
    try {
      return JSON.parse(readFileSync(path, "utf8")) as ContainerTimeState;
    } catch {
      return undefined;
    }
  }
}

/** The `[vdso]` mapping of a /proc/<pid>/maps text: the line whose pathname field is exactly `[vdso]`. */
export function vdsoMappingOf(maps: string): { start: string; end: string } | undefined {
  for (const line of maps.split("\n")) {
    const fields = line.split(/\s+/);
    // address perms offset dev inode pathname: a file whose path merely contains "[vdso]" is not it
    if (fields.length === 6 && fields[5] === "[vdso]") {
      const m = /^([0-9a-f]+)-([0-9a-f]+)$/.exec(fields[0]!);
      if (m) return { start: m[1]!, end: m[2]! };
    }
  }
  return undefined;
}

/** The helper's image magic, as it sits at the start of the last {@link timeSkewImageSize} bytes of `[vdso]`. */
const imageMagic = Buffer.from("FLTSKEW1", "latin1");

/**
 * A process's identity: pid, start time, `[vdso]` address and whether the helper's image is in its
 * vDSO (an 8-byte read at the image's place). A new exec (a fresh vDSO: no image, even at the same
 * address with ASLR off) or a reused pid is a new identity.
 */
export async function processIdentity(procRoot: string, pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(join(procRoot, String(pid), "stat"), "utf8");
    const startTime = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    const vdso = vdsoMappingOf(await readFile(join(procRoot, String(pid), "maps"), "utf8"));
    if (vdso === undefined) return `${pid}:${startTime}:none`;
    let image = "?";
    const mem = await open(join(procRoot, String(pid), "mem"), "r").catch(() => undefined);
    if (mem !== undefined) {
      try {
        const buf = Buffer.alloc(imageMagic.length);
        const { bytesRead } = await mem.read(buf, 0, buf.length, parseInt(vdso.end, 16) - timeSkewImageSize);
        image = bytesRead === buf.length && buf.equals(imageMagic) ? "image" : "fresh";
      } catch {
        // unreadable memory (a process exiting): the identity still names pid, start time and address
      } finally {
        await mem.close();
      }
    }
    return `${pid}:${startTime}:${vdso.start}:${image}`;
  } catch {
    return undefined;
  }
}

/** TimeChaos's daemon side: its handlers, and the watch pass its loop runs (tests call it themselves). */
export interface TimeChaosDaemon {
  handlers: DaemonHandlers;
  watch(): Promise<void>;
  state: TimeStateDir;
  /** The process identities the watch remembers as given the container's entries (pruned to the live ones each pass). */
  seen(containerId: string): string[];
}

/** The watch's wait before trying a failing process again: 200 ms doubling per failure, at most 30 s. */
export function watchRetryDelayMs(failures: number): number {
  return Math.min(30_000, 200 * 2 ** Math.max(0, failures - 1));
}

/**
 * The daemon side of TimeChaos.
 *
 * SetTimeOffset checks the request strictly (InvalidArgument before anything is touched), resolves
 * the container's leader, probes it with the native helper (FailedPrecondition with the helper's
 * reason), then makes the entries of every process of the container's cgroup the ones in force on
 * the leader with this uid's entry (key = sha256(uid)[0..16)) put in or replaced — so offsets of
 * several uids compose (at most 8) — the uid written to the state directory first. RecoverTimeOffset
 * takes the uid's entry out of every process and leaves the others; a container that is gone, or a
 * uid not in force, is recovered. ListTimeChaos lists, per container on file, the uids whose keys
 * its leader carries (what is in force always comes from the processes; a key in force with no uid
 * on file is listed as `sha256:<key>`).
 *
 * The watch, every 200 ms, gives the container's entries to every process of its cgroup not yet
 * seen — (pid, start time, `[vdso]` address), so a process exec'd after injection is skewed within
 * one interval and one helper run — and repairs processes left `partial` (a helper killed midway);
 * a container that is gone is dropped from the state (recovered).
 */
export function timeChaosDaemon(deps: DaemonKindDeps, options: TimeChaosDaemonOptions = {}): DaemonHandlers {
  return createTimeChaosDaemon(deps, options).handlers;
}

/** {@link timeChaosDaemon}'s handlers with its watch pass. */
export function createTimeChaosDaemon(deps: DaemonKindDeps, options: TimeChaosDaemonOptions = {}): TimeChaosDaemon {
  const paths = options.paths ?? defaultHostPaths;
  let helperInstance = options.helper;
  const helper = () => (helperInstance ??= createTimeSkewHelper());
  let stateDir: TimeStateDir | undefined;
  const state = () => (stateDir ??= new TimeStateDir(options.stateDir ?? defaultTimeStateDir(paths.procRoot)));
  const lock = new KeyedLock();
  const tell = options.onWatch ?? ((event) => console.log(JSON.stringify({ level: "info", time: new Date().toISOString(), ...event })));
  /** Per container: the identities of its processes already given its current entries. */
  const seen = new Map<string, Set<string>>();
  /** Per process identity the helper failed on: how often, and not before when to try again (the watch backs off). */
  const failing = new Map<string, { failures: number; notBefore: number }>();

  const leaderOf = (containerId: string, signal?: AbortSignal) => containerLeader(deps.runtime, containerId, signal);
  const pidsOf = (leader: number) => containerPids(leader, paths);

  /** The entries the leader carries (skewed or partial), [] when clean or gone. */
  async function inForce(leader: number, signal?: AbortSignal): Promise<{ entries: SkewEntry[]; leaderState: ProcessSkewState }> {
    const [leaderState] = await helper().status([leader], signal);
    if (leaderState === undefined) throw new Error(`the helper said nothing of process ${leader}`);
    if (leaderState.state === "error") throw precondition(`process ${leader}: the helper cannot read its state: ${leaderState.error}`);
    return { entries: leaderState.state === "skewed" || leaderState.state === "partial" ? leaderState.entries.map((e) => ({ ...e })) : [], leaderState };
  }

  /**
   * Gives `entries` to `pids`; the identities set are remembered (the watch leaves them be). A
   * process the helper left `partial` or `error` is not: the watch tries it again, backing off.
   * The identity is read before and after the run and remembered only when both agree (a process
   * that exec'd meanwhile is a new one, still to be given the entries).
   */
  async function setAll(containerId: string, pids: number[], entries: SkewEntry[], signal?: AbortSignal): Promise<ProcessSkewState[]> {
    const before = await Promise.all(pids.map((pid) => processIdentity(paths.procRoot, pid)));
    const results = await helper().set(pids, entries, signal);
    const after = await Promise.all(pids.map((pid) => processIdentity(paths.procRoot, pid)));
    const known = seen.get(containerId) ?? new Set<string>();
    for (const [i, result] of results.entries()) {
      const id = after[i];
      if (id === undefined) continue;
      if (result.state === "error" || result.state === "partial") {
        const failures = (failing.get(id)?.failures ?? 0) + 1;
        failing.set(id, { failures, notBefore: Date.now() + watchRetryDelayMs(failures) });
        if (failures === 1) tell({ level: "warn", message: "TimeChaos could not give a process its offsets: the watch tries again, backing off", containerId, pid: result.pid, state: result.state, ...("error" in result ? { error: result.error } : {}) });
      } else {
        failing.delete(id);
        if (id === before[i]) known.add(id);
      }
    }
    seen.set(containerId, known);
    return results;
  }

  /** Forgets a container's processes (its entries changed, or it is gone). */
  function forget(containerId: string): void {
    for (const id of seen.get(containerId) ?? []) failing.delete(id);
    seen.delete(containerId);
  }

  /** Fails (Unavailable) unless every process is clean/skewed as asked or gone; what failed is named. */
  function requireEvery(results: ProcessSkewState[], what: string): void {
    const failed = results.filter((r) => r.state === "error" || r.state === "partial");
    if (failed.length === 0) return;
    const list = failed.map((r) => `${r.pid} (${"error" in r ? r.error : "left partial"})`).join("; ");
    throw new ConnectError(`${what}: ${failed.length} of ${results.length} processes failed: ${list}`, Code.Unavailable);
  }

  const outcomeOf = (results: ProcessSkewState[]) => ({
    processes: results.length,
    skewed: results.filter((r) => r.state === "skewed").length,
    clean: results.filter((r) => r.state === "clean").length,
    gone: results.filter((r) => r.state === "gone").length,
    failed: results.filter((r) => r.state === "error" || r.state === "partial").map((r) => ({ pid: r.pid, state: r.state, ...("error" in r ? { error: r.error } : {}) })),
  });

  const { watch } = (() => {
    const one = async (containerId: string) =>
      lock.run(containerId, async () => {
        const st = state().read(containerId);
        if (st === undefined) return;
        const leader = await leaderOf(containerId);
        if (leader === undefined) {
          state().remove(containerId);
          forget(containerId);
          tell({ message: "TimeChaos container gone: its offsets went with its processes", containerId, uids: Object.values(st.uids) });
          return;
        }
        const pids = await pidsOf(leader);
        const known = seen.get(containerId) ?? new Set<string>();
        const live = new Set<string>();
        const fresh: number[] = [];
        const now = Date.now();
        for (const pid of pids) {
          const id = await processIdentity(paths.procRoot, pid);
          if (id === undefined) continue;
          live.add(id);
          if (known.has(id)) continue;
          if ((failing.get(id)?.notBefore ?? 0) > now) continue; // failed lately: backing off
          fresh.push(pid);
        }
        // only identities still alive are kept (exited and exec'd processes are forgotten)
        for (const id of known) if (!live.has(id)) known.delete(id);
        seen.set(containerId, known);
        if (fresh.length === 0) return;
        const results = await setAll(containerId, fresh, st.entries);
        tell({ message: "TimeChaos watch gave the container's offsets to its new or partial processes", containerId, pids: fresh, entries: st.entries.length, ...outcomeOf(results) });
      });
    const pass = reconcileLoop(
      () => state().containerIds(),
      one,
      (containerId, error) => tell({ level: "warn", message: "TimeChaos watch failed on a container: tried again", containerId, error: error.message }),
      options.watchIntervalMs ?? 200,
      options.signal,
    );
    return { watch: pass };
  })();

  const handlers: DaemonHandlers = {
    async setTimeOffset(req, ctx) {
      const log = requestLogger(ctx);
      log.info("SetTimeOffset", { request: { containerId: req.containerId, sec: String(req.sec), nsec: String(req.nsec), clkIdsMask: String(req.clkIdsMask), uid: req.uid, podContainerName: req.podContainerName } });
      const entry = skewEntryOf(req);
      try {
        const outcome = await lock.run(req.containerId, async () => {
          const leader = await deps.runtime.getPid(req.containerId, { signal: ctx.signal });
          const probed = await helper().probe(leader, ctx.signal);
          if (!probed.ok) throw precondition(`container ${req.containerId}: its processes cannot be skewed: ${probed.reason}; nothing was touched`);
          const { entries: current } = await inForce(leader, ctx.signal);
          let next: SkewEntry[];
          try {
            next = withEntry(current, entry, `container ${req.containerId}`);
          } catch (error) {
            if (error instanceof TooManyOffsetsError) throw new ConnectError(error.message, Code.ResourceExhausted);
            throw error;
          }
          const before = state().read(req.containerId);
          const putBack = () => {
            if (before === undefined) state().remove(req.containerId);
            else state().write(before);
            forget(req.containerId);
          };
          state().write({
            containerId: req.containerId,
            podContainerName: req.podContainerName || before?.podContainerName || "",
            uids: { ...before?.uids, [entry.key]: req.uid },
            entries: next,
          });
          const pids = await pidsOf(leader);
          let results: ProcessSkewState[];
          try {
            results = await setAll(req.containerId, pids, next, ctx.signal);
          } catch (error) {
            // the helper did not answer (killed at its timeout, the call aborted): back to what was in
            // force, best effort and without the call's signal, and the file as it was
            await helper().set(pids, current).catch(() => undefined);
            putBack();
            throw error;
          }
          const onLeader = results[0];
          if (onLeader?.state === "error" || onLeader?.state === "partial") {
            // the leader could not take it: back to what was in force, and say why
            await helper().set(pids, current, ctx.signal).catch(() => undefined);
            if (current.length === 0) state().remove(req.containerId);
            else state().write({ containerId: req.containerId, podContainerName: before?.podContainerName ?? req.podContainerName, uids: before?.uids ?? {}, entries: current });
            forget(req.containerId);
            throw precondition(`container ${req.containerId}: its process ${leader} could not be skewed: ${"error" in onLeader ? onLeader.error : "left partial"}; what was in force before is restored`);
          }
          return { leader, offsets: next.length, unchanged: sameEntries(current, next), ...outcomeOf(results) };
        });
        log.info("TimeChaos injected", { uid: req.uid, key: entry.key, ...outcome });
        return {};
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async recoverTimeOffset(req, ctx) {
      const log = requestLogger(ctx);
      log.info("RecoverTimeOffset", { request: { containerId: req.containerId, uid: req.uid, podContainerName: req.podContainerName } });
      checkRecoverTimeRequest(req);
      const key = timeSkewKey(req.uid);
      try {
        const outcome = await lock.run(req.containerId, async () => {
          const before = state().read(req.containerId);
          const leader = await leaderOf(req.containerId, ctx.signal);
          if (leader === undefined) {
            state().remove(req.containerId);
            forget(req.containerId);
            return { containerGone: true };
          }
          let current: SkewEntry[];
          try {
            ({ entries: current } = await inForce(leader, ctx.signal));
          } catch (error) {
            // the leader's state cannot be read: the entries on file are what was given; the other
            // processes are still restored (the call then fails on the leader, and is retried)
            if (before === undefined) throw error;
            log.warn("TimeChaos leader's state unreadable: recovering from the entries on file", { containerId: req.containerId, error: (error as Error).message });
            current = before.entries;
          }
          const desired = before?.entries ?? current;
          // a uid still on file was not fully recovered yet (an earlier Recover failed on some process)
          const pending = before !== undefined && key in before.uids;
          if (!current.some((e) => e.key === key) && !desired.some((e) => e.key === key) && !pending) return { inForce: false };
          const next = withoutEntry(current, key);
          const pids = await pidsOf(leader);
          const results = await setAll(req.containerId, pids, next, ctx.signal);
          const uids = { ...before?.uids };
          const failed = results.some((r) => r.state === "error" || r.state === "partial");
          if (failed) {
            // the uid stays on file (listed, recovered again); the watch gives the others' entries only
            state().write({ containerId: req.containerId, podContainerName: before?.podContainerName ?? req.podContainerName, uids: { ...uids, [key]: req.uid }, entries: withoutEntry(desired, key) });
            requireEvery(results, `container ${req.containerId}: the offset is not taken out of every process`);
          }
          delete uids[key];
          if (next.length === 0 && Object.keys(uids).length === 0) {
            state().remove(req.containerId);
            forget(req.containerId);
          } else {
            state().write({ containerId: req.containerId, podContainerName: before?.podContainerName ?? req.podContainerName, uids, entries: withoutEntry(desired, key) });
          }
          return { leader, offsetsLeft: next.length, ...outcomeOf(results) };
        });
        log.info("TimeChaos recovered", { uid: req.uid, key, ...outcome });
        return {};
      } catch (error) {
        throw toConnectError(error);
      }
    },

    async listTimeChaos(_req, ctx) {
      const injections: { containerId: string; uids: string[] }[] = [];
      for (const containerId of state().containerIds()) {
        const listed = await lock.run(containerId, async () => {
          const st = state().read(containerId);
          if (st === undefined) return undefined;
          const leader = await leaderOf(containerId, ctx.signal);
          if (leader === undefined) {
            state().remove(containerId);
            forget(containerId);
            return undefined;
          }
          let entries: SkewEntry[];
          try {
            ({ entries } = await inForce(leader, ctx.signal));
          } catch (error) {
            // the processes cannot be read now: what was given them is the best answer (not lost, not swept wrongly)
            requestLogger(ctx).warn("TimeChaos state of a container unreadable: listing its uids on file", { containerId, error: (error as Error).message });
            entries = st.entries;
          }
          const uids = entries.map((e) => st.uids[e.key] ?? `sha256:${e.key}`);
          // uids whose Recover has not yet reached every process stay listed (so they are recovered again)
          for (const [key, uid] of Object.entries(st.uids)) if (!st.entries.some((e) => e.key === key) && !entries.some((e) => e.key === key)) uids.push(uid);
          return uids.length > 0 ? { containerId, uids } : undefined;
        });
        if (listed !== undefined) injections.push(listed);
      }
      requestLogger(ctx).info("ListTimeChaos", { containers: injections.length, uids: injections.reduce((n, i) => n + i.uids.length, 0) });
      return { injections };
    },
  };
  return { handlers, watch, state: state(), seen: (containerId) => [...(seen.get(containerId) ?? [])] };
}
