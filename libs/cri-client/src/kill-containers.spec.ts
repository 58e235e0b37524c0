import { spawn, type ChildProcess } from "node:child_process";
import { parseContainerId, type ContainerRef } from "./container-ref.js";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import { ContainerNotFoundError, ContainerNotRunningError } from "./container-runtime-error.js";
import { InitProcessCache } from "./init-process-cache.js";
import { processState } from "./init-process.js";
import { killContainers, type KillTarget } from "./kill-containers.js";

// Real processes (`sleep`) stand for the containers' init processes; the backend, which would ask
// the runtime for their pids, is a map from id to child.
describe("killContainers", () => {
  const children: ChildProcess[] = [];
  const start = () => {
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(child);
    return child;
  };
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  const id = (n: number) => `containerd://${String(n).padStart(64, "0")}`;

  function backendOf(pids: Map<string, number>, options: { killsByPid?: boolean; onGetPid?: (ref: ContainerRef) => void } = {}) {
    const asked: string[] = [];
    const backend: ContainerRuntimeBackend = {
      killsByPid: options.killsByPid ?? true,
      async getPid(ref) {
        asked.push(`getPid ${ref.raw}`);
        options.onGetPid?.(ref);
        const pid = pids.get(ref.raw);
        if (pid === undefined) throw new ContainerNotFoundError(ref.raw, `container ${ref.raw} not found`);
        return pid;
      },
      async kill(ref) {
        asked.push(`kill ${ref.raw}`);
        const pid = pids.get(ref.raw);
        if (pid !== undefined && processState(pid) === "alive") process.kill(pid, "SIGKILL");
      },
      close() {},
    };
    return { backend, asked };
  }
  const targets = (ids: string[], backend: ContainerRuntimeBackend): KillTarget[] =>
    ids.map((containerId) => ({ containerId, ref: parseContainerId(containerId), backend }));

  it("finds every init process before it kills any, then kills them all and answers once all are dead", async () => {
    const procs = [start(), start(), start()];
    const pids = new Map(procs.map((p, i) => [id(i), p.pid!]));
    const aliveAtEachLookup: boolean[] = [];
    const { backend, asked } = backendOf(pids, { onGetPid: () => aliveAtEachLookup.push(procs.every((p) => processState(p.pid!) === "alive")) });
    const before = performance.now();
    const report = await killContainers(targets([id(0), id(1), id(2)], backend), undefined, undefined);
    const wallMs = performance.now() - before;
    expect(report.outcomes).toEqual([{ containerId: id(0) }, { containerId: id(1) }, { containerId: id(2) }]);
    expect(aliveAtEachLookup).toEqual([true, true, true]);
    expect(procs.map((p) => processState(p.pid!))).not.toContain("alive");
    expect(asked).toEqual([`getPid ${id(0)}`, `getPid ${id(1)}`, `getPid ${id(2)}`]);
    // the three stages are consecutive parts of the call: each measured, together within its wall time
    const { lookupMs, signalMs, deathMs } = report.timings;
    for (const stage of [lookupMs, signalMs, deathMs]) expect(stage).toBeGreaterThanOrEqual(0);
    expect(lookupMs + signalMs + deathMs).toBeLessThanOrEqual(wallMs);
  });

  it("answers a process still exiting when the deadline passed as killed (stillExiting), never as a failure to retry", async () => {
    const procs = [start(), start()];
    const { backend } = backendOf(new Map(procs.map((p, i) => [id(i), p.pid!])));
    // the kernel has not finished the first one's exit by the deadline
    const report = await killContainers(targets([id(0), id(1)], backend), undefined, undefined, async (pids) => pids.filter((pid) => pid === procs[0]!.pid));
    expect(report.outcomes).toEqual([{ containerId: id(0), stillExiting: true }, { containerId: id(1) }]);
  });

  it("gives each container its own outcome: one the runtime does not know fails alone", async () => {
    const alive = start();
    const { backend } = backendOf(new Map([[id(1), alive.pid!]]));
    const report = await killContainers(targets([id(0), id(1)], backend), undefined, undefined);
    expect(report.outcomes[0]!.error).toBeInstanceOf(ContainerNotFoundError);
    expect(report.outcomes[1]).toEqual({ containerId: id(1) });
    expect(processState(alive.pid!)).not.toBe("alive");
  });

  it("keeps an id that did not parse as its outcome, asking nothing for it", async () => {
    const failure = new Error("bad id");
    const report = await killContainers([{ containerId: "nope", error: failure }], undefined, undefined);
    expect(report.outcomes).toEqual([{ containerId: "nope", error: failure }]);
  });

  it("reports not running, and signals nothing, when the process exited between its lookup and its kill", async () => {
    const first = start();
    const second = start();
    const firstGone = new Promise((r) => first.once("exit", r));
    const { backend } = backendOf(new Map([[id(0), first.pid!], [id(1), second.pid!]]));
    const lookup = backend.getPid.bind(backend);
    backend.getPid = async (ref, signal) => {
      const pid = await lookup(ref, signal);
      if (ref.raw === id(1)) {
        // the first container's init process exits (and is reaped) after its own lookup
        first.kill("SIGKILL");
        await firstGone;
      }
      return pid;
    };
    const report = await killContainers(targets([id(0), id(1)], backend), undefined, undefined);
    expect(report.outcomes[0]!.error).toBeInstanceOf(ContainerNotRunningError);
    expect((report.outcomes[0]!.error as Error).message).toContain(`its init process ${first.pid} has exited`);
    expect(report.outcomes[1]).toEqual({ containerId: id(1) });
  });

  it("answers a cached pid without the runtime while it is the same process, and forgets it after the kill", async () => {
    const proc = start();
    const cache = new InitProcessCache();
    cache.remember(id(0), proc.pid!);
    const { backend, asked } = backendOf(new Map());
    const report = await killContainers(targets([id(0)], backend), cache, undefined);
    expect(report.outcomes).toEqual([{ containerId: id(0) }]);
    expect(asked).toEqual([]);
    expect(cache.get(id(0))).toBeUndefined();
  });

  it("kills through the runtime's own kill where the backend does not kill by pid", async () => {
    const proc = start();
    const { backend, asked } = backendOf(new Map([[id(0), proc.pid!]]), { killsByPid: false });
    const report = await killContainers(targets([id(0)], backend), undefined, undefined);
    expect(report.outcomes).toEqual([{ containerId: id(0) }]);
    expect(asked).toEqual([`kill ${id(0)}`]);
  });

  it("kills through the runtime where the init process is not visible in this /proc", async () => {
    const { backend, asked } = backendOf(new Map([[id(0), 2 ** 22 + 7]])); // above pid_max: no such entry
    const report = await killContainers(targets([id(0)], backend), undefined, undefined);
    expect(report.outcomes).toEqual([{ containerId: id(0) }]);
    expect(asked).toEqual([`getPid ${id(0)}`, `kill ${id(0)}`]);
  });
});
