// What IOChaos's daemon side needs of its two native helpers (faultline-iofs and faultline-fd-swap,
// native/README.md): a narrow interface of its own, so the daemon's logic is tested with fakes and
// the wrappers (iofs-helper.ts, fd-swap-helper.ts) are adapted to it in one place.
import { iofsKey } from "./iofs-helper.js";

/** `faultline-iofs check`: whether a volume can be faulted (and whether ours is already there). */
export type IOVolumeCheck = { ok: true; faulted: boolean; path?: string } | { ok: false; reason: string };

/** What `serve` is told besides the volume: where it logs, and the cgroup.procs files it joins (the target's) before forking its watchdog. */
export interface IOServeOptions {
  log?: string;
  joinCgroups?: readonly string[];
}

/** A FUSE server started by `faultline-iofs serve`. */
export interface IOServerStarted {
  pid: number;
  watchdog: number;
  /** The volume's path as the helper resolved it in the container (symlinks followed), when it says. */
  path?: string;
}

/** One process's outcome of `faultline-fd-swap`. */
export interface IOFdSwapOutcome {
  pid: number;
  state: "ok" | "gone" | "error";
  swapped: number;
  cwd: boolean;
  mappings: number;
  skipped: { fd: number; reason: string }[];
  error?: string;
}

/** The FUSE server helper, as the daemon uses it. */
export interface IOFsHelper {
  check(leader: number, volumePath: string, signal?: AbortSignal): Promise<IOVolumeCheck>;
  /** Mounts the server over the volume with the config in force; refuses (throws) with its reason, nothing mounted. */
  serve(leader: number, volumePath: string, configFile: string, key: string, options?: IOServeOptions): Promise<IOServerStarted>;
  /** Lazily unmounts the volume iff the mount there is ours (idempotent). */
  unmount(leader: number, volumePath: string, signal?: AbortSignal): Promise<void>;
}

/**
 * The descriptor swap helper: re-opens each pid's fds and cwd under the volume into whatever is
 * mounted there now; `fromMount` (the FUSE mount's id) after a lazy unmount, whose paths no longer
 * start with the volume's.
 */
export interface IOFdSwapper {
  swap(volumePath: string, pids: readonly number[], signal?: AbortSignal, fromMount?: number): Promise<IOFdSwapOutcome[]>;
}

/** The server key of a (container, volume): 32 hex, sha256 of both, what `serve --key` carries (iofs-helper.ts's `iofsKey`). */
export function ioServerKey(containerId: string, volumePath: string): string {
  return iofsKey(containerId, volumePath);
}

/** Unescapes a mountinfo path (the kernel writes space, tab, newline and backslash as \ooo). */
const unescapeMountPath = (p: string) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * The id (mountinfo's first field) of the faultline-iofs mount at `volumePath` in a mountinfo text
 * (the last mount there, the one seen), undefined when the mount on top is not ours.
 */
export function iofsMountIdIn(mountinfo: string, volumePath: string): number | undefined {
  let top: { id: number; fstype: string } | undefined;
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (fields.length < 5 || dash < 0) continue;
    if (unescapeMountPath(fields[4]!) === volumePath) top = { id: Number(fields[0]), fstype: fields[dash + 1] ?? "" };
  }
  return top?.fstype === "fuse.faultline-iofs" ? top.id : undefined;
}
