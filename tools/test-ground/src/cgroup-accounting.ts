// What a container's own cgroup accounting says (cgroup v1, as on these machines; v2's cpu.stat
// and memory.current where the node is unified), and which host processes run in its pid
// namespace: for tests of faults that load a container (StressChaos), measured from the kernel.
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

const root = "/sys/fs/cgroup";
const unified = existsSync(join(root, "cgroup.controllers"));

function cgroupDir(pid: number, controller: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [, controllers, ...path] = l.split(":");
      return { controllers: controllers ? controllers.split(",") : [], path: path.join(":") };
    });
  if (unified) return join(root, lines.find((l) => l.controllers.length === 0)!.path);
  const line = lines.find((l) => l.controllers.includes(controller))!;
  return join(root, line.controllers.join(","), line.path);
}

/** The CPU time the container's cgroup has used, in ns. */
export function cpuUsageNs(pid: number): number {
  if (unified) return Number(/^usage_usec (\d+)/m.exec(readFileSync(join(cgroupDir(pid, "cpu"), "cpu.stat"), "utf8"))![1]) * 1000;
  return Number(readFileSync(join(cgroupDir(pid, "cpuacct"), "cpuacct.usage"), "utf8"));
}

/** CPUs the container's cgroup used on average over `ms` (1.0 = one CPU busy). */
export async function cpuRate(pid: number, ms = 3000): Promise<number> {
  const before = cpuUsageNs(pid);
  const start = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return (cpuUsageNs(pid) - before) / elapsedNs;
}

/** The container's cgroup memory usage in bytes. */
export function memoryUsageBytes(pid: number): number {
  const dir = cgroupDir(pid, "memory");
  return Number(readFileSync(join(dir, unified ? "memory.current" : "memory.usage_in_bytes"), "utf8"));
}

/** The file holding the container's memory limit (written by a runtime for `resources.limits.memory`). */
export function memoryLimitFile(pid: number): string {
  return join(cgroupDir(pid, "memory"), unified ? "memory.max" : "memory.limit_in_bytes");
}

/** The cgroups of a process, one line per hierarchy, as /proc shows them. */
export function cgroupsOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cgroup`, "utf8");
}

/** Host processes in the pid namespace of `pid`, with their names. */
export function processesInPidNamespaceOf(pid: number): { pid: number; comm: string }[] {
  const ns = readlinkSync(`/proc/${pid}/ns/pid`);
  const found: { pid: number; comm: string }[] = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== ns) continue;
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue;
      found.push({ pid: Number(name), comm: readFileSync(`/proc/${name}/comm`, "utf8").trim() });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Every host process whose name starts with stress-ng. */
export function stressNgProcesses(): { pid: number; comm: string }[] {
  const found: { pid: number; comm: string }[] = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const comm = readFileSync(`/proc/${name}/comm`, "utf8").trim();
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      if (comm.startsWith("stress-ng") && !stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) found.push({ pid: Number(name), comm });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}
