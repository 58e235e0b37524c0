import { readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * A live process in the network namespace of inode `ino` (read from `<procRoot>/*\/ns/net`), other
 * than those in `except`; undefined when the namespace holds none (the pod is gone). A pod's
 * namespace is held by its sandbox (pause) process and its containers.
 */
export function processInNetns(procRoot: string, ino: number, except: readonly number[] = []): number | undefined {
  const wanted = `net:[${ino}]`;
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name) || except.includes(Number(name))) continue;
    try {
      if (readlinkSync(join(procRoot, name, "ns", "net")) === wanted) return Number(name);
    } catch {
      // gone meanwhile, or a kernel thread
    }
  }
  return undefined;
}
