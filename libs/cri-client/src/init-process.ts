import { readFileSync } from "node:fs";

/**
 * What /proc says of a container's init process: alive, dead (a zombie its shim has not reaped
 * yet: the container is stopping, whatever the runtime's status still says), or invisible (no such
 * entry: another pid namespace, or gone).
 */
export type ProcessState = "alive" | "dead" | "invisible";

/** A process as /proc shows it: its state, and its start time (field 22, clock ticks since boot). */
export interface ProcessStat {
  state: ProcessState;
  startTime?: string;
}

/** Reads `/proc/<pid>/stat`: the process's state and start time; `invisible` when there is no entry. */
export function readProcessStat(pid: number, procRoot = "/proc"): ProcessStat {
  let stat: string;
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, "utf8");
  } catch {
    return { state: "invisible" };
  }
  // "pid (comm) state ppid ..." — comm may hold spaces and parentheses: split after the last ")"
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0] === "Z" || fields[0] === "X" ? "dead" : "alive";
  return { state, ...(fields[19] !== undefined && { startTime: fields[19] }) };
}

/** The state alone of {@link readProcessStat}. */
export const processState = (pid: number): ProcessState => readProcessStat(pid).state;

/**
 * Sends `sig` to `pid`, a process /proc shows alive; false when this process may not signal it
 * (EPERM), so the caller falls back to the runtime. A process that exited in between (ESRCH)
 * counts as signalled: the container is stopping already.
 */
export function sendSignal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    if ((error as NodeJS.ErrnoException).code === "EPERM") return false;
    throw error;
  }
  return true;
}

/**
 * Resolves once every one of `pids` is gone or a zombie (the kernel has killed it), polling /proc
 * for up to `timeoutMs`: 1 ms after the signal, then backing off to every 16 ms, so that a hundred
 * dying processes are not read a thousand times while the kernel tears them down; answers the pids
 * still alive then (none: all dead).
 */
export async function untilAllDead(pids: readonly number[], signal: AbortSignal | undefined, timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter((pid) => processState(pid) === "alive");
  let waitMs = 1;
  while (alive.length > 0) {
    if (signal?.aborted) throw signal.reason;
    if (Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    waitMs = Math.min(16, waitMs * 2);
    alive = alive.filter((pid) => processState(pid) === "alive");
  }
  return [];
}
