import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** The CRI endpoint the kubelet's own default is (Kubernetes ≥ 1.27), when neither flag nor config names one. */
export const kubeletDefaultRuntimeEndpoint = "unix:///run/containerd/containerd.sock";

/** A kubelet process found on the node, and the container runtime socket it talks to. */
export interface KubeletRuntimeSocket {
  /** The kubelet's host pid. */
  pid: number;
  /** Its `--hostname-override`, when it has one (the node's name). */
  nodeName?: string;
  /** Its CRI endpoint as configured, for example `unix:///run/containerd/containerd.sock`. */
  endpoint: string;
  /** Which runtime the socket's name says it is. */
  runtime: "containerd" | "crio";
  /** The socket as this process reaches it: through the kubelet's own root (`/proc/<pid>/root/...`). */
  socketPath: string;
}

/** The value of `--name=value` or `--name value` in an argv, the last one winning as in Go's flag package. */
function flagValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === `--${name}` || arg === `-${name}`) value = argv[++i];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
    else if (arg.startsWith(`-${name}=`)) value = arg.slice(name.length + 2);
  }
  return value;
}

/** `containerRuntimeEndpoint` of a KubeletConfiguration file (YAML or JSON), if it sets one. */
export function runtimeEndpointOfKubeletConfig(text: string): string | undefined {
  const match = /^\s*"?containerRuntimeEndpoint"?\s*:\s*("([^"]*)"|'([^']*)'|([^\s,#}]+))/m.exec(text);
  return match ? (match[2] ?? match[3] ?? match[4]) : undefined;
}

/**
 * The CRI endpoint a kubelet with this argv uses: `--container-runtime-endpoint`, else its
 * `--config` file's `containerRuntimeEndpoint` (read through `readConfig`), else the kubelet's default.
 */
export function kubeletRuntimeEndpoint(argv: readonly string[], readConfig: (path: string) => string | undefined): string {
  const flag = flagValue(argv, "container-runtime-endpoint");
  if (flag) return flag;
  const config = flagValue(argv, "config");
  const fromConfig = config === undefined ? undefined : runtimeEndpointOfKubeletConfig(readConfig(config) ?? "");
  return fromConfig ?? kubeletDefaultRuntimeEndpoint;
}

/** The node name a kubelet with this argv registers: its `--hostname-override`, if any. */
export function kubeletNodeName(argv: readonly string[]): string | undefined {
  return flagValue(argv, "hostname-override") || undefined;
}

const readText = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
};

const readLink = (path: string): string | undefined => {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
};

/**
 * `path` under `root`, or `undefined` when it has a `..` segment: a path a process wrote in its
 * argv or config must not climb out of its root into the daemon's own filesystem (`join` would
 * resolve `/proc/<pid>/root/../../etc` to `/proc/etc`, and further up with more of them).
 */
export function pathUnderRoot(root: string, path: string): string | undefined {
  if (path.split("/").includes("..")) return undefined;
  return join(root, path);
}

/** The parent pid in `/proc/<pid>/stat` (the field after the state, past the command's closing parenthesis). */
function parentPid(proc: string, pid: string): string | undefined {
  const stat = readText(join(proc, pid, "stat"));
  if (stat === undefined) return undefined;
  const ppid = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1];
  return ppid !== undefined && /^\d+$/.test(ppid) ? ppid : undefined;
}

/**
 * Whether `pid` runs in the node's mount namespace: it shares its mount namespace with every
 * ancestor up to pid 1, and with pid 1 itself where that can be read (on some machines not even
 * root may read pid 1's namespaces). A containerized process has its runtime's shim, in another
 * mount namespace, among its ancestors.
 */
export function inNodeMountNamespace(proc: string, pid: string): boolean {
  const own = readLink(join(proc, pid, "ns", "mnt"));
  if (own === undefined) return false;
  let current = pid;
  for (let depth = 0; depth < 64; depth++) {
    const parent = parentPid(proc, current);
    if (parent === undefined) return false;
    if (parent === "0") return current === "1";
    const ns = readLink(join(proc, parent, "ns", "mnt"));
    if (parent === "1") return ns === undefined || ns === own;
    if (ns !== own) return false;
    current = parent;
  }
  return false;
}

/** Options of {@link findKubeletRuntimeSockets}. */
export interface FindKubeletRuntimeSocketsOptions {
  /** Where `/proc` is; default `/proc`. */
  procRoot?: string;
  /**
   * The kubelet's executable path as the node sees it (`/proc/<pid>/exe`), for example
   * `/usr/bin/kubelet`. Given, only a process running that file counts; default: any executable
   * named `kubelet`.
   */
  kubeletPath?: string;
}

/**
 * Asks the node's kubelet processes, through `/proc` (a daemon with `hostPID`), which container
 * runtime socket they use, so a daemon whose configured socket paths do not exist on this node can
 * still reach the runtime the node actually has. Sockets are reached through each kubelet's own
 * root (`/proc/<pid>/root`), so no host directory has to be mounted for them. Only `unix://`
 * endpoints are returned.
 *
 * Only the node's kubelet is asked: a process whose executable is named `kubelet` (or is
 * `kubeletPath`) that shares its mount namespace with every ancestor up to the node's init (pid 1,
 * compared too where it can be read). A process in a pod can name itself `kubelet` and write any
 * argv, but somewhere above it stands the container runtime's shim, in the node's mount namespace
 * while the pod is in its own, so it is never asked. An endpoint or config path with a `..`
 * segment is refused too, so nothing a process writes points the daemon outside the kubelet's root.
 */
export function findKubeletRuntimeSockets(options: FindKubeletRuntimeSocketsOptions = {}): KubeletRuntimeSocket[] {
  const proc = options.procRoot ?? "/proc";
  let entries: string[];
  try {
    entries = readdirSync(proc);
  } catch {
    return [];
  }
  const found: KubeletRuntimeSocket[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    if (readText(join(proc, entry, "comm"))?.trim() !== "kubelet") continue;
    const exe = readLink(join(proc, entry, "exe"));
    if (exe === undefined || (options.kubeletPath !== undefined ? exe !== options.kubeletPath : exe.split("/").pop() !== "kubelet")) continue;
    if (!inNodeMountNamespace(proc, entry)) continue;
    const argv = (readText(join(proc, entry, "cmdline")) ?? "").split("\0").filter(Boolean);
    const root = join(proc, entry, "root");
    // a relative --config is relative to the kubelet's working directory
    const cwd = join(proc, entry, "cwd");
    const endpoint = kubeletRuntimeEndpoint(argv, (path) => {
      const file = pathUnderRoot(path.startsWith("/") ? root : cwd, path);
      return file === undefined ? undefined : readText(file);
    });
    if (!endpoint.startsWith("unix://")) continue;
    const path = endpoint.slice("unix://".length);
    const socketPath = path.startsWith("/") ? pathUnderRoot(root, path) : undefined;
    if (socketPath === undefined) continue;
    const nodeName = kubeletNodeName(argv);
    found.push({
      pid: Number(entry),
      ...(nodeName !== undefined && { nodeName }),
      endpoint,
      runtime: /crio/.test(path.split("/").pop() ?? "") ? "crio" : "containerd",
      socketPath,
    });
  }
  return found;
}
