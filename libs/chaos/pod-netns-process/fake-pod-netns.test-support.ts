// Test support for a pod-netns-process kind's handlers without a server (DNSChaos, HTTPChaos): a
// fake /proc (the host's pid 1, a target pod's process 4242 in a network namespace of its own, a
// hostNetwork container's 4343 in pid 1's), a fake runtime, a runner that records every command in
// the pod's namespace and answers through the kind's play of the nat table, and the options that
// point a daemon at all of it. Every step lands in one ordered event list.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import type { NodeCapabilities } from "@faultline/api";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { ContainerNotFoundError } from "@faultline/cri-client";
import { HostNamespaces, type NamespaceProcessRequest } from "@faultline/daemon-server";
import type { PodNetnsDaemonOptions, ReconcileEvent } from "./pod-netns-daemon.js";

/** The target pod's container; a second container of the same pod; a hostNetwork container; one the runtime does not know. */
export const containerId = "containerd://" + "c".repeat(64);
export const otherContainer = "containerd://" + "d".repeat(64);
export const hostNetworkId = "containerd://" + "b".repeat(64);
export const unknownId = "containerd://" + "0".repeat(64);

/** A command run in a pod's namespace, as the runner got it. */
export type RunEvent = { step: "run"; pid: number; namespaces: readonly string[]; argv: readonly string[]; input?: string };

/** A process dir of the fake /proc whose ns/net is a link `net:[ino]` to a file of that inode, as the kernel shows it; `netnsOf`: in that process's namespace. */
export function fakeProcess(proc: string, pid: number, netnsOf?: number): number {
  const ns = join(proc, String(pid), "ns");
  mkdirSync(ns, { recursive: true });
  if (netnsOf !== undefined) {
    const same = statSync(join(proc, String(netnsOf), "ns", "net")).ino; // the same namespace
    symlinkSync(join(proc, String(netnsOf), "ns", `net:[${same}]`), join(ns, "net"));
    return same;
  }
  writeFileSync(join(ns, "made"), "");
  const ino = statSync(join(ns, "made")).ino;
  renameSync(join(ns, "made"), join(ns, `net:[${ino}]`));
  symlinkSync(`net:[${ino}]`, join(ns, "net"));
  return ino;
}

/**
 * The fake node for `kind` (a tmp dir name's part): `nat` answers each command run in the pod
 * (after it is recorded); the kind's launcher fake records its own events in `events` and takes
 * its pids from `newPid` (9000 up, live until it removes them from `live`).
 */
export function fakePodNetnsWorld<E>(kind: string, capabilities: NodeCapabilities, nat: (request: NamespaceProcessRequest) => Promise<{ stdout: string; stderr: string }>) {
  const proc = mkdtempSync(join(tmpdir(), `faultline-${kind}-proc-`));
  const stateDir = join(proc, "state");
  fakeProcess(proc, 1);
  const ino = fakeProcess(proc, 4242);
  fakeProcess(proc, 4343, 1); // a hostNetwork container: pid 1's namespace
  const events: (E | RunEvent)[] = [];
  const pids: { [id: string]: number } = { [containerId]: 4242, [otherContainer]: 4242, [hostNetworkId]: 4343 };
  const live = new Set<number>();
  let nextPid = 9000;
  const newPid = () => {
    const pid = nextPid++;
    live.add(pid);
    return pid;
  };
  const deps = {
    runtime: {
      async getPid(id: string) {
        const pid = pids[id];
        if (pid === undefined) throw new ContainerNotFoundError(id, "container not found");
        return pid;
      },
    },
    runner: {
      async run(request: NamespaceProcessRequest) {
        events.push({ step: "run", pid: request.pid, namespaces: request.namespaces, argv: request.argv, ...(request.input !== undefined && { input: request.input }) });
        return nat(request);
      },
    },
  } as unknown as DaemonKindDeps;
  const reconciled: ReconcileEvent[] = [];
  const options: PodNetnsDaemonOptions<never> = {
    stateDir,
    paths: { procRoot: proc, cgroupRoot: join(proc, "cgroup") },
    capabilities: async () => capabilities,
    hostNamespaces: new HostNamespaces({ procRoot: proc }),
    reconcileIntervalMs: 0,
    onReconcile: (e) => reconciled.push(e),
  };
  const key = `netns-${ino}`;
  return {
    proc,
    stateDir,
    events,
    live,
    newPid,
    deps,
    options,
    reconciled,
    key,
    podDir: join(stateDir, "pods", key),
    cleanup: () => rmSync(proc, { recursive: true, force: true }),
  };
}

/** What the shared cases need of a kind's spec world (built on {@link fakePodNetnsWorld}). */
export interface FakeKindWorld {
  proc: string;
  podDir: string;
  events: readonly { step: string; input?: string }[];
  live: Set<number>;
  cleanup(): void;
}

/**
 * The Exec cases every kind passes the same way, inside its Exec `describe`: a redirect the kernel
 * refuses, and someone else's chain of the kind's name; `world` takes the kind's fault options,
 * `exec` injects the kind's default record on container {@link containerId}.
 */
export function execRefusalCases<W extends FakeKindWorld>(names: { process: string; chain: string }, world: (opts: { restoreFails?: boolean; foreignChain?: boolean }) => W, exec: (w: W) => Promise<unknown>): void {
  it(`a redirect the kernel refuses: the ${names.process} is stopped and the state removed, the error names what the node lacks`, async () => {
    const w = world({ restoreFails: true });
    await expect(exec(w)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("iptables/REDIRECT") });
    expect(w.events.filter((e) => e.step === "stop")).toEqual([{ step: "stop", pid: 9000 }]);
    expect(w.live.size).toBe(0);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });

  it(`refuses a ${names.chain} chain that is not Faultline's, stopping what it started`, async () => {
    const w = world({ foreignChain: true });
    await expect(exec(w)).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringContaining("is not Faultline's") });
    expect(w.events.some((e) => e.step === "run" && e.input !== undefined)).toBe(false);
    expect(w.live.size).toBe(0);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });
}

/**
 * The Recover cases every kind passes the same way, inside its Recover `describe`: a key it does
 * not hold, a bad key, and a pod that is gone; `exec` injects record `uid-1/rec-a`.
 */
export function recoverGoneCases<W extends FakeKindWorld>(
  names: { process: string },
  world: () => W,
  exec: (w: W) => Promise<unknown>,
  recover: (w: W, recordKey: string, id?: string) => Promise<unknown>,
): void {
  it("a key the daemon does not hold is recovered, nothing runs; a bad key is InvalidArgument", async () => {
    const w = world();
    await recover(w, "uid-9/never");
    await recover(w, "uid-9/never", unknownId); // the container may be gone too
    expect(w.events).toEqual([]);
    await expect(recover(w, "bad key")).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringContaining("recordKey:") });
    w.cleanup();
  });

  it(`a pod that is gone (${names.process} exited, no process in its network namespace): recovered, state cleaned, no iptables`, async () => {
    const w = world();
    await exec(w);
    w.live.clear();
    rmSync(join(w.proc, "4242"), { recursive: true });
    const mark = w.events.length;
    await recover(w, "uid-1/rec-a");
    expect(w.events.slice(mark)).toEqual([]);
    expect(existsSync(w.podDir)).toBe(false);
    w.cleanup();
  });
}
