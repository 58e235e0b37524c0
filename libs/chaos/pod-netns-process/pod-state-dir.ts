import { chownSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { nodeRunPath } from "./node-run-path.js";

/** Where a kind's per-pod state is kept unless told: {@link nodeRunPath} of `<kind>` (`/run/faultline/<kind>` on the node). */
export function defaultPodStateDir(procRoot: string, kind: string, envVar: string): string {
  return nodeRunPath(procRoot, kind, envVar);
}

/** One file of a pod's state directory, written atomically. */
export interface PodStateFile {
  name: string;
  text: string;
  mode: number;
  /** Who owns it (the pod process's uid and gid, when it must read a file no one else may); default the daemon. */
  owner?: { uid: number; gid: number };
}

/**
 * A state directory's per-pod layout: `pods/netns-<inode>/state.json` (0600) and whatever other
 * files the kind writes beside it (its process's config, its log). Files are renamed into place,
 * so a reader sees the old file or the new, never part of one; `state.json` is written last.
 */
export class PodStateDir<S> {
  constructor(readonly root: string) {}

  /** The key of a pod's state: its network namespace's inode. */
  static podKey(netns: { ino: number }): string {
    return `netns-${netns.ino}`;
  }

  podDir(key: string): string {
    return join(this.root, "pods", key);
  }

  /** Every pod key with a state directory. */
  podKeys(): string[] {
    try {
      return readdirSync(join(this.root, "pods")).filter((n) => /^netns-\d+$/.test(n));
    } catch {
      return [];
    }
  }

  /** A pod's state; undefined when there is none (or it is unreadable). */
  read(key: string): S | undefined {
    try {
      return JSON.parse(readFileSync(join(this.podDir(key), "state.json"), "utf8")) as S;
    } catch {
      return undefined;
    }
  }

  /** Writes `files` then the state (0600), each renamed into place. */
  writeWith(key: string, state: S, files: readonly PodStateFile[]): void {
    const dir = this.podDir(key);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const f of files) atomicWrite(join(dir, f.name), f.text, f.mode, f.owner);
    atomicWrite(join(dir, "state.json"), `${JSON.stringify(state)}\n`, 0o600);
  }

  /** Removes a pod's state directory (state, config, log). */
  remove(key: string): void {
    rmSync(this.podDir(key), { recursive: true, force: true });
  }
}

/** Writes `file` through a temporary file in the same directory renamed over it. */
export function atomicWrite(file: string, text: string, mode: number, owner?: { uid: number; gid: number }): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  if (owner !== undefined && process.getuid?.() === 0) chownSync(tmp, owner.uid, owner.gid);
  renameSync(tmp, file);
}
