import type { ContainerRef } from "./container-ref.js";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import { exitedJustNow, killDeadlineMs } from "./cri-backend.js";
import type { InitProcessCache } from "./init-process-cache.js";
import { readProcessStat, sendSignal, untilAllDead } from "./init-process.js";

/** One container's outcome in {@link ContainerKillReport}: killed, or the error its kill met. */
export interface ContainerKillOutcome {
  containerId: string;
  /** Why this container was not killed; absent when it was. */
  error?: unknown;
  /**
   * Killed, but its init process was still exiting when `killDeadlineMs` passed (a host too loaded
   * to finish the exits in time, or a process in uninterruptible sleep): it has SIGKILL and runs
   * no more of its own code, and the kernel ends it when it can.
   */
  stillExiting?: true;
}

/** Where a batch of kills spent its time, in milliseconds. */
export interface ContainerKillTimings {
  /** Finding every init process (the pid cache, else the runtime), before any kill. */
  lookupMs: number;
  /** Sending SIGKILL to all of them. */
  signalMs: number;
  /** From the last signal until every one of them was dead (and the runtime's own kills ended). */
  deathMs: number;
}

/** What `killMany` answers: an outcome per container id, in the order asked, and the timings. */
export interface ContainerKillReport {
  outcomes: ContainerKillOutcome[];
  timings: ContainerKillTimings;
}

/** A container to kill: its id as asked, parsed (or the error parsing met), and its runtime. */
export interface KillTarget {
  containerId: string;
  ref?: ContainerRef;
  backend?: ContainerRuntimeBackend;
  error?: unknown;
}

/** Runtime lookups at once in one batch: enough to overlap their round trips, not to flood the runtime. */
export const maxConcurrentLookups = 16;

interface Resolved {
  outcome: ContainerKillOutcome;
  ref: ContainerRef;
  backend: ContainerRuntimeBackend;
  pid?: number;
  startTime?: string;
}

/**
 * Kills many containers as one act: every init process is found first (from `pids` while it
 * provably is the same process, else the runtime's status), then all are sent SIGKILL in one pass,
 * then the answer waits until all are dead. Finding them all before killing any keeps the lookups
 * off a runtime busy winding down and restarting the containers already killed. Right before its
 * signal, each process's start time is read again: one that exited since its lookup is reported
 * not running, never signalled (its pid could be another process's by then). One still alive
 * `killDeadlineMs` after its signal is answered killed, `stillExiting`: a failure would be retried,
 * and the retry would kill the restarted container a second time. A container whose
 * init process this process cannot see or signal (no host pid namespace, EPERM), or whose runtime
 * does not kill by pid, is killed through its runtime's own kill. Each container's failure is its
 * own outcome; the others go on.
 */
export async function killContainers(
  targets: readonly KillTarget[],
  pids: InitProcessCache | undefined,
  signal: AbortSignal | undefined,
  waitForDeath: typeof untilAllDead = untilAllDead,
): Promise<ContainerKillReport> {
  const started = performance.now();
  const outcomes: ContainerKillOutcome[] = targets.map((t) => (t.error === undefined ? { containerId: t.containerId } : { containerId: t.containerId, error: t.error }));
  const resolved: Resolved[] = [];
  targets.forEach((t, i) => {
    if (t.error === undefined) resolved.push({ outcome: outcomes[i]!, ref: t.ref!, backend: t.backend! });
  });

  // 1. every init process, before any kill
  let next = 0;
  const lane = async () => {
    while (next < resolved.length) {
      const r = resolved[next++]!;
      if (!r.backend.killsByPid) continue;
      try {
        r.pid = pids?.get(r.ref.raw) ?? (await r.backend.getPid(r.ref, signal));
        r.startTime = readProcessStat(r.pid).startTime;
      } catch (error) {
        r.outcome.error = error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(maxConcurrentLookups, resolved.length) }, lane));
  if (signal?.aborted) throw signal.reason;
  const looked = performance.now();

  // 2. SIGKILL to all of them at once
  const dying: Resolved[] = [];
  const viaRuntime: Resolved[] = [];
  for (const r of resolved) {
    if (r.outcome.error !== undefined) continue;
    pids?.forget(r.ref.raw);
    if (r.pid === undefined || r.startTime === undefined) {
      viaRuntime.push(r);
      continue;
    }
    const now = readProcessStat(r.pid);
    if (now.state !== "alive" || now.startTime !== r.startTime) {
      r.outcome.error = exitedJustNow(r.ref, r.pid);
      continue;
    }
    try {
      if (sendSignal(r.pid, "SIGKILL")) dying.push(r);
      else viaRuntime.push(r);
    } catch (error) {
      r.outcome.error = error;
    }
  }
  const signalled = performance.now();

  // 3. until every one is dead; the runtime's own kills meanwhile
  const [stillAlive] = await Promise.all([
    waitForDeath(dying.map((r) => r.pid!), signal, killDeadlineMs),
    Promise.all(
      viaRuntime.map((r) =>
        r.backend.kill(r.ref, signal).catch((error: unknown) => {
          r.outcome.error = error;
        }),
      ),
    ),
  ]);
  // never a failure: a failed kill is tried again, and the second try would kill the container the
  // kubelet restarted in between
  const exiting = new Set(stillAlive);
  for (const r of dying) if (exiting.has(r.pid!)) r.outcome.stillExiting = true;
  if (signal?.aborted) throw signal.reason;
  return {
    outcomes,
    timings: { lookupMs: looked - started, signalMs: signalled - looked, deathMs: performance.now() - signalled },
  };
}
