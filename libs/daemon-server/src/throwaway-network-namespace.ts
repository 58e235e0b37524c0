import { spawn } from "node:child_process";
import { readFile, readlink } from "node:fs/promises";

/** A process alone in a new, empty network namespace, to try kernel features in without touching the node. */
export interface ThrowawayNetworkNamespace {
  /** Host pid of the process holding the namespace (enter it with `nsenter -t pid -n`). */
  pid: number;
  /** Kills the process; the namespace, and everything made in it, goes with it. */
  close(): void;
}

/**
 * Starts `unshare -n -- sleep` and resolves once its process really is in the new namespace (its
 * exec of sleep happened after unshare(2), and its net namespace differs from ours), so nothing
 * tried in it can ever reach the node's own namespace.
 *
 * @example
 * const ns = await openThrowawayNetworkNamespace();
 * try { await runner.run({ pid: ns.pid, namespaces: ["net"], argv: ["tc", "qdisc", "add", "dev", "lo", "root", "netem"] }); }
 * finally { ns.close(); }
 */
export async function openThrowawayNetworkNamespace(options: { unsharePath?: string; timeoutMs?: number } = {}): Promise<ThrowawayNetworkNamespace> {
  const child = spawn(options.unsharePath ?? "unshare", ["-n", "--", "sleep", "600"], { stdio: "ignore", shell: false });
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  await spawned;
  const pid = child.pid!;
  const ours = await readlink("/proc/self/ns/net");
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`unshare -n exited (${child.exitCode ?? child.signalCode}) before its namespace could be used`);
    }
    try {
      const [ns, comm] = await Promise.all([readlink(`/proc/${pid}/ns/net`), readFile(`/proc/${pid}/comm`, "utf8")]);
      if (ns !== ours && comm.trim() === "sleep") return { pid, close };
    } catch {
      // not readable yet
    }
    if (Date.now() > deadline) {
      close();
      throw new Error("unshare -n did not enter a new network namespace in time");
    }
    await new Promise((r) => setTimeout(r, 2));
  }
}
