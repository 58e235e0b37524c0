// What the daemons that act on a container's processes (TimeChaos, IOChaos) both need: the
// container's leader (undefined once the container is gone) and every pid of its cgroup.
import { readFile } from "node:fs/promises";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { ContainerNotFoundError, ContainerNotRunningError } from "@faultline/cri-client";
import { cgroupTargetOf, type HostPaths } from "../stress/cgroup-target.js";

/** The container's leader, or undefined when it is gone (no such container, or not running); other errors thrown. */
export async function containerLeader(runtime: DaemonKindDeps["runtime"], containerId: string, signal?: AbortSignal): Promise<number | undefined> {
  try {
    return await runtime.getPid(containerId, { signal });
  } catch (error) {
    if (error instanceof ContainerNotFoundError || error instanceof ContainerNotRunningError) return undefined;
    throw error;
  }
}

/** Every pid of the leader's cgroup (the leader first); just the leader when its cgroup cannot be read (a leader that just exited). */
export async function containerPids(leader: number, paths: HostPaths): Promise<number[]> {
  const pids = new Set<number>([leader]);
  try {
    const target = await cgroupTargetOf(leader, paths);
    for (const file of target.procsFiles) {
      for (const line of (await readFile(file, "utf8")).split("\n")) if (line.trim() !== "") pids.add(Number(line));
    }
  } catch {
    // a leader that just exited: its cgroup is gone with it
  }
  return [...pids];
}

/** The cgroup.procs files of the leader's cgroup (what a helper joins to live and die with the container); [] when unreadable. */
export async function containerProcsFiles(leader: number, paths: HostPaths): Promise<string[]> {
  try {
    return [...(await cgroupTargetOf(leader, paths)).procsFiles];
  } catch {
    return [];
  }
}
