import { readFile } from "node:fs/promises";
import type { TrafficControlPlan } from "./traffic-control-plan.js";

/** A process as the kernel cannot reuse it: pid plus its start time (clock ticks after boot, `/proc/<pid>/stat` field 22). */
export interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/** Reads a process's start time; undefined when it is gone. */
export async function processStartTime(pid: number, procRoot = "/proc"): Promise<string | undefined> {
  try {
    const stat = await readFile(`${procRoot}/${pid}/stat`, "utf8");
    // fields after the command name, which is in parentheses and may itself hold spaces or ")"
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return rest[19]; // field 22 overall: fields 3.. start at rest[0]
  } catch {
    return undefined;
  }
}

interface Remembered {
  plan: TrafficControlPlan;
  process: ProcessIdentity;
}

/**
 * The traffic-control plan this daemon last put in each target's network namespace, to put back
 * when a later SetTcs fails. Keyed by pod uid, container id and namespace inode, and valid only while the
 * container's process is the same one (pid and start time): the kernel reuses namespace inodes and
 * pids, so a plan is never handed to a new pod that got a dead one's inode. Entries whose process is
 * gone are evicted on every call.
 */
export class TrafficControlMemory {
  readonly #entries = new Map<string, Remembered>();
  readonly #startTime: (pid: number) => Promise<string | undefined>;

  /** `startTime` is the seam for tests; default {@link processStartTime}. */
  constructor(startTime: (pid: number) => Promise<string | undefined> = (pid) => processStartTime(pid)) {
    this.#startTime = startTime;
  }

  /** The key of a target: its pod's uid when the request carries one (Chaos Mesh's managers do; at most 64 characters kept), container id, namespace. */
  static key(containerId: string, namespace: string, podUid = ""): string {
    return `${podUid.slice(0, 64)}/${containerId}@${namespace}`;
  }

  /** How many plans are remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** The plan last put there, if the same container's same process holds the namespace still. */
  previous(key: string, process: ProcessIdentity): TrafficControlPlan | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.process.pid !== process.pid || e.process.startTime !== process.startTime) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.plan;
  }

  remember(key: string, process: ProcessIdentity, plan: TrafficControlPlan): void {
    this.#entries.set(key, { plan, process });
  }

  /** Forgets the plans of containers whose process is gone (exited, or its pid reused by another). */
  async evictGone(): Promise<number> {
    let evicted = 0;
    for (const [key, e] of [...this.#entries]) {
      if ((await this.#startTime(e.process.pid)) !== e.process.startTime) {
        if (this.#entries.get(key) === e) this.#entries.delete(key);
        evicted++;
      }
    }
    return evicted;
  }
}
