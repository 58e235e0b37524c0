import { readProcessStat } from "./init-process.js";

/** The identity of a process: its pid and its start time (in clock ticks since boot). */
interface ProcessIdentity {
  pid: number;
  startTime: string;
}

/**
 * Remembers the host pid of each container's init process, and hands it out again only while that
 * very process is still alive: a pid is trusted if `/proc/<pid>/stat` still shows the same start
 * time and the process is not a zombie. A restarted container has a new init process (the old pid
 * is gone, or reused by a process with another start time), so a stale pid is never returned.
 * Saves a runtime round trip on every repeated lookup of the same container.
 */
export class InitProcessCache {
  private readonly entries = new Map<string, ProcessIdentity>();

  constructor(
    private readonly procRoot = "/proc",
    private readonly maxEntries = 4096,
  ) {}

  /** The cached pid of the container, if its init process is still the same live process. */
  get(containerId: string): number | undefined {
    const entry = this.entries.get(containerId);
    if (entry === undefined) return undefined;
    if (this.startTimeOf(entry.pid) === entry.startTime) return entry.pid;
    this.entries.delete(containerId);
    return undefined;
  }

  /** Remembers the container's init pid, if its start time can be read (a host pid namespace). */
  remember(containerId: string, pid: number): void {
    const startTime = this.startTimeOf(pid);
    if (startTime === undefined) return;
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    this.entries.set(containerId, { pid, startTime });
  }

  /** Forgets the container (after killing it, for example). */
  forget(containerId: string): void {
    this.entries.delete(containerId);
  }

  /** Field 22 of /proc/<pid>/stat, or undefined when the process is gone or a zombie. */
  private startTimeOf(pid: number): string | undefined {
    const stat = readProcessStat(pid, this.procRoot);
    return stat.state === "alive" ? stat.startTime : undefined;
  }
}
