// How a process the daemon runs in a pod's network namespace (DNSChaos's interceptor, HTTPChaos's
// proxy) knows its pod is gone: no other process on the host shares its network namespace any more
// (the process itself keeps the namespace alive, so "the namespace still exists" says nothing).
//
// A process P shares our namespace when `readlink /proc/P/ns/net` equals `readlink
// /proc/self/ns/net`. The daemon runs these processes as an unprivileged uid, and reading another
// user's /proc/P/ns/* needs ptrace access (EACCES without it). For such a process the check falls
// back to a table anyone may read: /proc/P/net/udp (tcp) lists the UDP (TCP) sockets of P's network
// namespace, so P shares ours exactly when the inode of our own listening socket is in it.
// The last process found sharing is remembered and looked at first, so a check is one readlink in
// the usual case; all of /proc is scanned only when that process has gone.

import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** Which socket tables: udp (udp, udp6) or tcp (tcp, tcp6). */
export type SocketProtocol = "udp" | "tcp";

export interface NetnsPeerCheckOptions {
  /** Where proc is mounted (tests give a directory of their own). */
  readonly procRoot?: string;
  /** Our own pid (excluded from the peers). */
  readonly selfPid?: number;
  /** The inode of a socket of ours, listening in the namespace (for the fallback; see socketInodeOfPort). */
  readonly socketInode: () => string | undefined;
  /** Which tables that socket is in: "udp" (the default: udp, udp6) or "tcp" (tcp, tcp6). */
  readonly protocol?: SocketProtocol;
}

/** Returns a function that says whether another process shares our network namespace (see the file's comment). */
export function createNetnsPeerCheck(options: NetnsPeerCheckOptions): () => boolean {
  const proc = options.procRoot ?? "/proc";
  const self = options.selfPid ?? process.pid;
  const ours = readlinkSync(join(proc, String(self), "ns", "net"));
  let lastPeer: string | undefined;

  const shares = (pid: string): boolean => {
    try {
      return readlinkSync(join(proc, pid, "ns", "net")) === ours;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false; // gone (or a zombie)
    }
    // not ours to read (another user's process): look for our socket in its namespace's socket tables
    const inode = options.socketInode();
    if (inode === undefined) return false;
    const protocol = options.protocol ?? "udp";
    return [protocol, `${protocol}6`].some((table) => {
      try {
        return udpInodes(readFileSync(join(proc, pid, "net", table), "utf8")).has(inode);
      } catch {
        return false;
      }
    });
  };

  return () => {
    if (lastPeer !== undefined && shares(lastPeer)) return true;
    lastPeer = undefined;
    let entries: string[];
    try {
      entries = readdirSync(proc);
    } catch {
      return true; // proc unreadable: never conclude the pod is gone from that
    }
    for (const name of entries) {
      if (!/^\d+$/.test(name) || name === String(self)) continue;
      if (shares(name)) {
        lastPeer = name;
        return true;
      }
    }
    return false;
  };
}

/** The socket inodes listed in a /proc/<pid>/net/udp table (or udp6, tcp, tcp6: the same columns). */
export function udpInodes(table: string): Set<string> {
  const inodes = new Set<string>();
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length > 9) inodes.add(fields[9]!);
  }
  return inodes;
}

/**
 * The inode of our socket on `port`, from our own /proc/<pid>/net/<protocol> (or its 6 table): for
 * udp the socket bound to it, for tcp the one listening on it (state 0A, not a connection).
 */
export function socketInodeOfPort(protocol: SocketProtocol, port: number, procRoot = "/proc", pid = process.pid): string | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const table of [protocol, `${protocol}6`]) {
    let text: string;
    try {
      text = readFileSync(join(procRoot, String(pid), "net", table), "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && fields[1]!.endsWith(`:${hexPort}`) && (protocol === "udp" || fields[3] === "0A") && fields[9] !== "0") return fields[9];
    }
  }
  return undefined;
}
