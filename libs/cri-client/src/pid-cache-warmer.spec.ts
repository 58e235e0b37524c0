import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ContainerRuntimeBackend } from "./container-runtime-backend.js";
import { InitProcessCache } from "./init-process-cache.js";
import { warmPidCache } from "./pid-cache-warmer.js";

// Real processes stand for the containers' init processes; the runtime is a double that lists
// them and answers their pids, counting what it was asked.
describe("warmPidCache", () => {
  const dir = mkdtempSync(join(tmpdir(), "faultline-warm-"));
  const socketPath = join(dir, "containerd.sock");
  writeFileSync(socketPath, ""); // exists: the pass lists this runtime
  const children: ChildProcess[] = [];
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  const start = () => {
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    children.push(child);
    return child.pid!;
  };

  function runtimeOf(pids: Map<string, number>) {
    const asked: string[] = [];
    const backend: ContainerRuntimeBackend = {
      killsByPid: true,
      async listRunning() {
        asked.push("list");
        return [...pids.keys()];
      },
      async getPid(ref) {
        asked.push(`getPid ${ref.id}`);
        const pid = pids.get(ref.id);
        if (pid === undefined) throw new Error("gone");
        return pid;
      },
      async kill() {},
      close() {},
    };
    return { backend, asked };
  }
  const a = "a".repeat(64);
  const b = "b".repeat(64);

  it("looks up every running container the cache cannot answer, and only those, once", async () => {
    const pids = new Map([[a, start()], [b, start()]]);
    const { backend, asked } = runtimeOf(pids);
    const cache = new InitProcessCache();
    const runtimes = [{ prefix: "containerd" as const, socketPath, backend: () => backend }];
    expect(await warmPidCache(runtimes, cache)).toEqual({ listed: 2, lookedUp: 2, errors: [] });
    expect(cache.get(`containerd://${a}`)).toBe(pids.get(a));
    expect(cache.get(`containerd://${b}`)).toBe(pids.get(b));
    asked.length = 0;
    expect(await warmPidCache(runtimes, cache)).toEqual({ listed: 2, lookedUp: 0, errors: [] });
    expect(asked).toEqual(["list"]);
  });

  it("looks a container up again once its cached process is gone (a restart), never handing out the old pid", async () => {
    const first = start();
    const pids = new Map([[a, first]]);
    const { backend } = runtimeOf(pids);
    const cache = new InitProcessCache();
    const runtimes = [{ prefix: "containerd" as const, socketPath, backend: () => backend }];
    await warmPidCache(runtimes, cache);
    const old = children[0]!;
    const exited = new Promise((r) => old.once("exit", r));
    old.kill("SIGKILL");
    await exited;
    expect(cache.get(`containerd://${a}`)).toBeUndefined();
    const second = start();
    pids.set(a, second);
    expect(await warmPidCache(runtimes, cache)).toMatchObject({ lookedUp: 1 });
    expect(cache.get(`containerd://${a}`)).toBe(second);
  });

  it("skips a runtime whose socket does not exist, and reports one it could not list", async () => {
    const { backend, asked } = runtimeOf(new Map());
    const failing: ContainerRuntimeBackend = { ...backend, listRunning: async () => Promise.reject(new Error("connection refused")) };
    const pass = await warmPidCache(
      [
        { prefix: "cri-o", socketPath: join(dir, "absent.sock"), backend: () => backend },
        { prefix: "containerd", socketPath, backend: () => failing },
      ],
      new InitProcessCache(),
    );
    expect(asked).toEqual([]);
    expect(pass).toEqual({ listed: 0, lookedUp: 0, errors: [`containerd at ${socketPath}: connection refused`] });
  });
});
