import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Where the daemon reads processes and cgroups: the host's, as the chart mounts them. */
export interface HostPaths {
  /** The host's procfs (the daemon runs with hostPID). Default `/proc`. */
  procRoot: string;
  /** The cgroup filesystem root. Default `/sys/fs/cgroup`. */
  cgroupRoot: string;
}

export const defaultHostPaths: HostPaths = { procRoot: "/proc", cgroupRoot: "/sys/fs/cgroup" };

/** A target container's cgroup, as the stressors join it. */
export interface CgroupTarget {
  /** `v2` when the node's cgroup root is the unified hierarchy; `v1` for legacy and hybrid nodes. */
  mode: "v1" | "v2";
  /** Every `cgroup.procs` file a stressor's pid is written to (one per v1 hierarchy, one on v2). */
  procsFiles: string[];
  /** The container's memory limit in bytes, undefined when it has none. */
  memoryLimitBytes?: number;
}

/** The target's cgroup could not be found or joined. */
export class CgroupTargetError extends Error {
  override name = "CgroupTargetError";
}

// v1 reports "no limit" as the largest page-aligned 64-bit value; anything this large is no limit
const unlimitedV1 = 2 ** 60;

/**
 * The cgroup mounts of the daemon's mount namespace on a v1 or hybrid node: controllers (sorted,
 * joined; `name=systemd` included) → mount point and root. A hybrid node's unified hierarchy (a
 * cgroup2 mount beside the v1 ones, holding no controller) is under the empty key.
 */
export function parseCgroupV1Mounts(mountinfo: string, under = "/"): Map<string, { mountPoint: string; root: string }> {
  const mounts = new Map<string, { mountPoint: string; root: string }>();
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!left || !right) continue;
    const [fsType, , superOptions] = right.split(" ");
    const fields = left.split(" ");
    // only under the cgroup root; a later mount over the same point hides the earlier (mountinfo order)
    if (!(fields[4] === under || fields[4]!.startsWith(under.endsWith("/") ? under : `${under}/`))) continue;
    if (fsType === "cgroup2") mounts.set("", { root: fields[3]!, mountPoint: fields[4]! });
    if (fsType !== "cgroup") continue;
    const controllers = (superOptions ?? "")
      .split(",")
      .filter((o) => o !== "rw" && o !== "ro" && (!o.includes("=") || o.startsWith("name=")))
      .filter((o) => !["relatime", "noatime", "nosuid", "nodev", "noexec", "clone_children", "noprefix", "xattr", "cpuset_v2_mode", "favordynmods"].includes(o));
    mounts.set(controllers.sort().join(","), { root: fields[3]!, mountPoint: fields[4]! });
  }
  return mounts;
}

/** The lines of `/proc/<pid>/cgroup`: hierarchy id, controllers, path. */
export function parseProcCgroup(text: string): { controllers: string[]; path: string }[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const first = l.indexOf(":");
      const second = l.indexOf(":", first + 1);
      const controllers = l.slice(first + 1, second);
      return { controllers: controllers === "" ? [] : controllers.split(","), path: l.slice(second + 1) };
    });
}

/**
 * Finds the cgroup of process `pid` (a container's init): on a v2 node its unified cgroup, on a v1
 * or hybrid node one cgroup per v1 hierarchy (cpu, cpuacct, memory, pids, … — all of them, so the
 * stressors count against every limit of the container), and its memory limit.
 */
export async function cgroupTargetOf(pid: number, paths: HostPaths = defaultHostPaths): Promise<CgroupTarget> {
  let text: string;
  try {
    text = await readFile(join(paths.procRoot, String(pid), "cgroup"), "utf8");
  } catch (err) {
    throw new CgroupTargetError(`cannot read the cgroups of process ${pid}: ${(err as Error).message}`);
  }
  let lines = parseProcCgroup(text);
  if (existsSync(join(paths.cgroupRoot, "cgroup.controllers"))) {
    // a daemon in a cgroup namespace of its own (v2's default for containers) sees paths relative
    // to it ("/../../kubepods/…"): read them again from the host's cgroup namespace, as pid 1 sees them
    if (lines.some((l) => l.path.startsWith("/.."))) lines = parseProcCgroup(await hostCgroupsOf(pid, paths).catch(() => text));
    const unified = lines.find((l) => l.controllers.length === 0);
    if (!unified || unified.path.startsWith("/..")) {
      throw new CgroupTargetError(`process ${pid} has no cgroup v2 path the daemon can see (${unified?.path ?? "none"}); run the daemon in the host's cgroup namespace`);
    }
    const dir = join(paths.cgroupRoot, unified.path);
    const max = await readFile(join(dir, "memory.max"), "utf8").catch(() => "max");
    return { mode: "v2", procsFiles: [join(dir, "cgroup.procs")], ...(max.trim() === "max" ? {} : { memoryLimitBytes: Number(max.trim()) }) };
  }
  const mounts = parseCgroupV1Mounts(await readFile(join(paths.procRoot, "self", "mountinfo"), "utf8"), paths.cgroupRoot);
  const procsFiles: string[] = [];
  let memoryLimitBytes: number | undefined;
  for (const line of lines) {
    // hybrid: the unified hierarchy holds no controller, but the runtime put the container there too
    const mount = mounts.get([...line.controllers].sort().join(","));
    if (!mount) continue;
    const relative = mount.root === "/" ? line.path : line.path.startsWith(mount.root) ? line.path.slice(mount.root.length) : undefined;
    if (relative === undefined) continue;
    const dir = join(mount.mountPoint, relative);
    procsFiles.push(join(dir, "cgroup.procs"));
    if (line.controllers.includes("memory")) {
      const limit = Number((await readFile(join(dir, "memory.limit_in_bytes"), "utf8").catch(() => "")).trim());
      if (Number.isFinite(limit) && limit > 0 && limit < unlimitedV1) memoryLimitBytes = limit;
    }
  }
  if (procsFiles.length === 0) throw new CgroupTargetError(`no cgroup v1 hierarchy of process ${pid} is mounted where the daemon can see it`);
  return { mode: "v1", procsFiles, ...(memoryLimitBytes === undefined ? {} : { memoryLimitBytes }) };
}

/** `/proc/<pid>/cgroup` as read in the cgroup namespace of the host's pid 1 (`nsenter --cgroup`, then `cat`). */
function hostCgroupsOf(pid: number, paths: HostPaths): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("nsenter", [`--cgroup=${join(paths.procRoot, "1", "ns", "cgroup")}`, "--", "cat", join(paths.procRoot, String(pid), "cgroup")], { timeout: 5000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** Moves process `pid` into the target's cgroups (every hierarchy; all or an error). */
export async function joinCgroup(target: CgroupTarget, pid: number): Promise<void> {
  for (const file of target.procsFiles) {
    try {
      await writeFile(file, String(pid));
    } catch (err) {
      throw new CgroupTargetError(`cannot move process ${pid} into ${file}: ${(err as Error).message}`);
    }
  }
}

/** The node's memory in bytes (MemTotal), what a percentage is taken of when the container has no limit. */
export async function nodeMemoryBytes(paths: HostPaths = defaultHostPaths): Promise<number> {
  const meminfo = await readFile(join(paths.procRoot, "meminfo"), "utf8");
  const kib = /^MemTotal:\s+(\d+) kB/m.exec(meminfo)?.[1];
  if (kib === undefined) throw new CgroupTargetError("no MemTotal in meminfo");
  return Number(kib) * 1024;
}
