import { stat } from "node:fs/promises";
import type { NamespaceKind } from "./namespace-process-runner.js";

/** A namespace as the kernel names it: the device and inode of `/proc/<pid>/ns/<kind>`. */
export interface NamespaceIdentity {
  dev: number;
  ino: number;
}

/** Reads a namespace's identity (stat follows the `ns/` link to the nsfs inode). */
export async function namespaceIdentity(path: string): Promise<NamespaceIdentity> {
  const s = await stat(path);
  return { dev: s.dev, ino: s.ino };
}

/** Options of {@link HostNamespaces}, for tests. */
export interface HostNamespacesOptions {
  /** Where proc is mounted; default `/proc`. */
  procRoot?: string;
  /** The host's init process as the daemon sees it (the chart runs the daemon with hostPID); default 1. */
  hostPid?: number;
  /** The daemon's own pid; default `self`. */
  selfPid?: number | "self";
}

/**
 * Tells whether a target process shares a namespace with the node itself: with the host's pid 1
 * (the node's namespaces, as the daemon sees them with hostPID) or with the daemon's own process
 * (which, run as a plain process or with hostNetwork, is the node's too). A fault acting on such a
 * namespace would change the node, not a container, so the daemon refuses it.
 *
 * @example
 * const shared = await new HostNamespaces().sharedWith(pid, "net");
 * if (shared) throw new ConnectError(`pid ${pid} is in ${shared}`, Code.FailedPrecondition);
 */
export class HostNamespaces {
  readonly #proc: string;
  readonly #hostPid: number;
  readonly #self: string;

  constructor(options: HostNamespacesOptions = {}) {
    this.#proc = options.procRoot ?? "/proc";
    this.#hostPid = options.hostPid ?? 1;
    this.#self = String(options.selfPid ?? "self");
  }

  /**
   * What host namespace of `kind` the process `pid` is in ("the node's net namespace (that of pid
   * 1)", "the daemon's own net namespace"), or undefined when it is in neither. Rejects when the
   * target's own namespace cannot be read (the process is gone). A host pid 1 whose namespace cannot
   * be read (no CAP_SYS_PTRACE over it, or no hostPID) leaves the daemon's own namespace as the
   * reference.
   */
  async sharedWith(pid: number, kind: NamespaceKind): Promise<string | undefined> {
    const target = await namespaceIdentity(`${this.#proc}/${pid}/ns/${kind}`);
    const same = (r: NamespaceIdentity | undefined) => r !== undefined && r.dev === target.dev && r.ino === target.ino;
    const host = await namespaceIdentity(`${this.#proc}/${this.#hostPid}/ns/${kind}`).catch(() => undefined);
    if (same(host)) return `the node's ${kind} namespace (that of pid ${this.#hostPid})`;
    const own = await namespaceIdentity(`${this.#proc}/${this.#self}/ns/${kind}`).catch(() => undefined);
    if (same(own)) return `the daemon's own ${kind} namespace`;
    return undefined;
  }
}
