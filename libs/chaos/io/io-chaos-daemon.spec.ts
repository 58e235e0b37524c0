import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { ContainerNotFoundError } from "@faultline/cri-client";
import { callDaemonHandler, type DaemonLogLine } from "@faultline/daemon-server";
import { renderIOConfig, type IOChaosAction } from "./io-action.js";
import { createIOChaosDaemon, type IOWatchEvent } from "./io-chaos-daemon.js";
import { iofsMountIdIn, ioServerKey, type IOFdSwapper, type IOFsHelper, type IOVolumeCheck } from "./io-helpers.js";

// The daemon handlers as the server calls them, without a server: fake helpers record what they
// are asked, a fake /proc holds the servers they "start" (pid, start time, argv), and the runtime
// knows the containers given (the real parts are in io-chaos-daemon.integration.spec.ts).
const cid = (c: string) => "containerd://" + c.repeat(64);
const leaders: { [containerId: string]: number } = { [cid("a")]: 4242, [cid("b")]: 4343 };
const key = (n: number) => `${"0".repeat(24)}${String(n).padStart(8, "0")}/ns/web-0/main`;
const fault: IOChaosAction = { type: "fault", path: "/data/**", percent: 100, faults: [{ errno: 5, weight: 1 }] };
const latency: IOChaosAction = { type: "latency", methods: ["read"], percent: 100, latency: "100ms" };
const exec = (containerId: string, volumePath: string, recordKey: string, action: IOChaosAction) => ({ containerId, volumePath, recordKey, action: JSON.stringify(action) });

function setup(options: { checks?: { [volume: string]: IOVolumeCheck }; stateDir?: string; procRoot?: string } = {}) {
  const procRoot = options.procRoot ?? mkdtempSync(join(tmpdir(), "faultline-io-proc-"));
  const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), "faultline-io-state-"));
  writeFileSync(join(procRoot, "stat"), "cpu 0 0\nbtime 1700000000\n");
  const calls: string[] = [];
  let nextPid = 9000;
  /** A process in the fake /proc: its stat (start ticks = pid * 3) and argv. */
  const addProcess = (pid: number, argv: string[]) => {
    mkdirSync(join(procRoot, String(pid)), { recursive: true });
    writeFileSync(join(procRoot, String(pid), "stat"), `${pid} (x) S ${Array.from({ length: 20 }, (_, i) => (i === 18 ? String(pid * 3) : "0")).join(" ")}`);
    writeFileSync(join(procRoot, String(pid), "cmdline"), argv.join("\0") + "\0");
  };
  const removeProcess = (pid: number) => rmSync(join(procRoot, String(pid)), { recursive: true, force: true });
  const configs: string[] = [];
  // each leader's mountinfo: our FUSE mounts as serve makes them (ids from 900) and unmount takes them away
  const mounts = new Map<number, Map<string, number>>();
  let nextMount = 900;
  const writeMountinfo = (leader: number) => {
    mkdirSync(join(procRoot, String(leader)), { recursive: true });
    const lines = [`20 1 8:1 / / rw - ext4 /dev/sda1 rw`, ...[...(mounts.get(leader) ?? new Map()).entries()].map(([v, id]) => `${id} 20 0:${id} / ${v} rw,nosuid,nodev - fuse.faultline-iofs faultline-iofs rw`)];
    writeFileSync(join(procRoot, String(leader), "mountinfo"), lines.join("\n") + "\n");
  };
  const iofs: IOFsHelper = {
    async check(leader, volume) {
      calls.push(`check ${leader} ${volume}`);
      return options.checks?.[volume] ?? { ok: true, faulted: false };
    },
    async serve(leader, volume, configFile, serverKey) {
      calls.push(`serve ${leader} ${volume}`);
      configs.push(readFileSync(configFile, "utf8"));
      const pid = nextPid++;
      addProcess(pid, ["/x/faultline-iofs", "serve", "--pid", String(leader), "--volume", volume, "--config", configFile, "--key", serverKey]);
      mounts.set(leader, (mounts.get(leader) ?? new Map()).set(volume, nextMount++));
      writeMountinfo(leader);
      return { pid, watchdog: pid + 500 };
    },
    async unmount(leader, volume) {
      calls.push(`unmount ${leader} ${volume}`);
      mounts.get(leader)?.delete(volume);
      writeMountinfo(leader);
    },
  };
  const fdSwap: IOFdSwapper = {
    async swap(volume, pids, _signal, fromMount) {
      calls.push(`swap ${volume} ${pids.join(",")}${fromMount === undefined ? "" : ` from ${fromMount}`}`);
      return pids.map((pid) => ({ pid, state: "ok" as const, swapped: 1, cwd: false, mappings: 0, skipped: [] }));
    },
  };
  const kill = (pid: number, signal: NodeJS.Signals) => {
    calls.push(`${signal} ${pid}`);
    if (signal === "SIGTERM") removeProcess(pid);
  };
  const deps = {
    runtime: {
      async getPid(id: string) {
        const pid = leaders[id];
        if (pid === undefined) throw new ContainerNotFoundError(id, "container not found");
        return pid;
      },
    },
    runner: {},
  } as unknown as DaemonKindDeps;
  const told: IOWatchEvent[] = [];
  const daemon = createIOChaosDaemon(deps, { iofs, fdSwap, kill, stateDir, paths: { procRoot, cgroupRoot: join(procRoot, "no-cgroup") }, watchIntervalMs: 0, onWatch: (e) => told.push(e) });
  const call = (method: Parameters<typeof callDaemonHandler>[1], req: object, logLines?: DaemonLogLine[]) => callDaemonHandler(daemon.handlers, method, req as never, { logLines });
  return { daemon, call, calls, configs, told, procRoot, stateDir, removeProcess, mounts };
}

describe("ioChaosDaemon: ExecIOChaos", () => {
  it.each([
    [{ containerId: "abc" }, /^containerId: "abc" is not a runtime-prefixed container id/],
    [{ volumePath: "/" }, /^volumePath: "\/" is the container's root/],
    [{ volumePath: "data" }, /^volumePath: "data" is not an absolute path/],
    [{ recordKey: "" }, /^recordKey: a record key is required/],
    [{ action: '{"type":"fault","faults":[{"errno":0,"weight":1}]}' }, /^action\.faults\[0\]\.errno: errno 0 is not a fault/],
    [{ action: "" }, /^action: an action is required/],
  ])("refuses %j with InvalidArgument naming the field, touching nothing", async (bad, message) => {
    const s = setup();
    await expect(s.call("execIOChaos", { ...exec(cid("a"), "/data", key(1), fault), ...bad })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(message) });
    expect(s.calls).toEqual([]);
  });

  it("checks the volume, writes the config, serves it, switches the container's processes onto it, and keeps the state", async () => {
    const s = setup();
    const logLines: DaemonLogLine[] = [];
    await s.call("execIOChaos", exec(cid("a"), "/data/", key(1), fault), logLines);
    expect(s.calls).toEqual(["check 4242 /data", "serve 4242 /data", "swap /data 4242"]);
    expect(s.configs).toEqual([renderIOConfig([fault])]);
    const st = s.daemon.state.read(ioServerKey(cid("a"), "/data"))!;
    expect(st).toMatchObject({ containerId: cid("a"), volumePath: "/data", records: { [key(1)]: fault }, applied: [], server: { pid: 9000, watchdog: 9500, startTicks: "27000", startTimeMs: 1700000000000 + 270000, mountId: 900 } });
    expect(logLines).toContainEqual(expect.objectContaining({ message: "IOChaos injected", volumePath: "/data", recordKey: key(1), started: true, swap: expect.objectContaining({ processes: 1, swapped: 1 }) }));
  });

  it("a second record on the same volume rewrites the config with both and tells the same server (SIGHUP); the same key again replaces its action", async () => {
    const s = setup();
    await s.call("execIOChaos", exec(cid("a"), "/data", key(2), fault));
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), latency));
    await s.call("execIOChaos", exec(cid("a"), "/data", key(2), { ...fault, percent: 10 }));
    expect(s.calls).toEqual(["check 4242 /data", "serve 4242 /data", "swap /data 4242", "SIGHUP 9000", "SIGHUP 9000"]);
    expect(readFileSync(s.daemon.state.configFile(ioServerKey(cid("a"), "/data")), "utf8")).toBe(renderIOConfig([latency, { ...fault, percent: 10 }]));
  });

  it("a volume that is not a mount point is FailedPrecondition with the helper's reason, nothing served or kept; its Recover is done at once", async () => {
    const s = setup({ checks: { "/data": { ok: false, reason: "/data is not a mount point in the container" } } });
    await expect(s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault))).rejects.toMatchObject({
      code: Code.FailedPrecondition,
      rawMessage: `container ${cid("a")}: volume /data cannot be faulted: /data is not a mount point in the container; nothing was mounted`,
    });
    expect(s.calls).toEqual(["check 4242 /data"]);
    expect(s.daemon.state.keys()).toEqual([]);
    await s.call("recoverIOChaos", { containerId: cid("a"), volumePath: "/data", recordKey: key(1) });
    expect(s.calls).toEqual(["check 4242 /data"]);
  });

  it("a mount of ours left without a server (faulted) is unmounted before serving", async () => {
    const s = setup({ checks: { "/data": { ok: true, faulted: true } } });
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    expect(s.calls).toEqual(["check 4242 /data", "unmount 4242 /data", "swap /data 4242", "serve 4242 /data", "swap /data 4242"]);
  });

  it("answers NotFound for a container the runtime does not know, touching nothing", async () => {
    const s = setup();
    await expect(s.call("execIOChaos", exec(cid("e"), "/data", key(1), fault))).rejects.toMatchObject({ code: Code.NotFound });
    expect(s.calls).toEqual([]);
  });
});

describe("ioChaosDaemon: RecoverIOChaos and ListIOChaos", () => {
  it("two volumes of one container and another container compose; recovering one volume's last record ends only its server", async () => {
    const s = setup();
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    await s.call("execIOChaos", exec(cid("a"), "/logs", key(2), latency));
    await s.call("execIOChaos", exec(cid("b"), "/data", key(3), fault));
    const listed = await s.call("listIOChaos", {});
    expect((listed as { injections: object[] }).injections).toHaveLength(3);
    expect((listed as { injections: object[] }).injections).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ recordKey: key(1), containerId: cid("a"), volumePath: "/data", action: JSON.stringify(fault) }),
        expect.objectContaining({ recordKey: key(2), containerId: cid("a"), volumePath: "/logs", action: JSON.stringify(latency) }),
        expect.objectContaining({ recordKey: key(3), containerId: cid("b"), volumePath: "/data", action: JSON.stringify(fault) }),
      ]),
    );
    s.calls.length = 0;
    await s.call("recoverIOChaos", { containerId: cid("a"), volumePath: "/data", recordKey: key(1) });
    expect(s.calls).toEqual(["SIGTERM 9000", "unmount 4242 /data", "swap /data 4242 from 900"]);
    expect(s.daemon.state.keys().sort()).toEqual([ioServerKey(cid("a"), "/logs"), ioServerKey(cid("b"), "/data")].sort());
    expect(() => readFileSync(s.daemon.state.configFile(ioServerKey(cid("a"), "/data")))).toThrow(/ENOENT/);
  });

  it("recovering one of two records on a volume keeps its server with the other's action", async () => {
    const s = setup();
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    await s.call("execIOChaos", exec(cid("a"), "/data", key(2), latency));
    s.calls.length = 0;
    await s.call("recoverIOChaos", { containerId: cid("a"), volumePath: "/data", recordKey: key(1) });
    expect(s.calls).toEqual(["SIGHUP 9000"]);
    expect(readFileSync(s.daemon.state.configFile(ioServerKey(cid("a"), "/data")), "utf8")).toBe(renderIOConfig([latency]));
  });

  it("a record key not held is recovered, touching nothing", async () => {
    const s = setup();
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    s.calls.length = 0;
    await s.call("recoverIOChaos", { containerId: cid("a"), volumePath: "/data", recordKey: key(9) });
    expect(s.calls).toEqual([]);
  });

  it("a container that is gone is recovered: its server is ended, nothing unmounted in a namespace that is going, the state dropped", async () => {
    const s = setup();
    leaders[cid("c")] = 4444;
    await s.call("execIOChaos", exec(cid("c"), "/data", key(1), fault));
    delete leaders[cid("c")];
    s.calls.length = 0;
    await s.call("recoverIOChaos", { containerId: cid("c"), volumePath: "/data", recordKey: key(1) });
    expect(s.calls).toEqual(["SIGTERM 9000"]);
    expect(s.daemon.state.keys()).toEqual([]);
  });

  it("ListIOChaos drops the volumes of containers that are gone", async () => {
    const s = setup();
    leaders[cid("d")] = 4545;
    await s.call("execIOChaos", exec(cid("d"), "/data", key(1), fault));
    delete leaders[cid("d")];
    expect(await s.call("listIOChaos", {})).toMatchObject({ injections: [] });
    expect(s.calls.at(-1)).toBe("SIGTERM 9000");
    expect(s.daemon.state.keys()).toEqual([]);
  });
});

describe("ioChaosDaemon: ApplyIOChaos (Chaos Mesh's)", () => {
  it("replaces the volume's whole set with the actions given and answers the server's pid and start time", async () => {
    const s = setup();
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    const answer = await s.call("applyIOChaos", { containerId: cid("a"), volume: "/data", actions: JSON.stringify([latency]), enterNs: true });
    expect(answer).toMatchObject({ instance: 9000n, startTime: BigInt(1700000000000 + 270000) });
    expect(s.calls.at(-1)).toBe("SIGHUP 9000");
    expect(readFileSync(s.daemon.state.configFile(ioServerKey(cid("a"), "/data")), "utf8")).toBe(renderIOConfig([latency]));
    expect(await s.call("listIOChaos", {})).toMatchObject({ injections: [] });
  });

  it("an empty list recovers the volume and answers 0 and 0", async () => {
    const s = setup();
    await s.call("applyIOChaos", { containerId: cid("a"), volume: "/data", actions: JSON.stringify([fault]) });
    s.calls.length = 0;
    await expect(s.call("applyIOChaos", { containerId: cid("a"), volume: "/data", actions: "[]" })).resolves.toMatchObject({ instance: 0n, startTime: 0n });
    expect(s.calls).toEqual(["SIGTERM 9000", "unmount 4242 /data", "swap /data 4242 from 900"]);
    expect(s.daemon.state.keys()).toEqual([]);
  });

  it("refuses bad actions naming the element, touching nothing", async () => {
    const s = setup();
    await expect(s.call("applyIOChaos", { containerId: cid("a"), volume: "/data", actions: '[{"type":"latency"}]' })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^actions\[0\]\.latency: /) });
    await expect(s.call("applyIOChaos", { containerId: cid("a"), volume: "/", actions: "[]" })).rejects.toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(/^volume: /) });
    expect(s.calls).toEqual([]);
  });
});

describe("ioChaosDaemon: the watch and a restarted daemon", () => {
  it("a server that died: its mount off if still ours, the processes back, served again and switched on, told", async () => {
    const s = setup();
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    s.removeProcess(9000);
    s.calls.length = 0;
    await s.daemon.watch();
    expect(s.calls).toEqual(["check 4242 /data", "swap /data 4242 from 900", "check 4242 /data", "serve 4242 /data", "swap /data 4242"]);
    expect(s.told).toEqual([expect.objectContaining({ message: "IOChaos server gone: the volume restored and served again", deadPid: 9000, pid: 9001 })]);
    s.calls.length = 0;
    await s.daemon.watch();
    expect(s.calls).toEqual([]);
  });

  it("a pid reused by another process is not taken for the server", async () => {
    const s = setup();
    await s.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    writeFileSync(join(s.procRoot, "9000", "cmdline"), "/bin/sh\0");
    s.calls.length = 0;
    await s.daemon.watch();
    expect(s.calls).toContain("serve 4242 /data");
  });

  it("a new daemon on the same state directory finds the server, updates it and recovers it", async () => {
    const first = setup();
    await first.call("execIOChaos", exec(cid("a"), "/data", key(1), fault));
    const second = setup({ stateDir: first.stateDir, procRoot: first.procRoot });
    await second.call("execIOChaos", exec(cid("a"), "/data", key(2), latency));
    expect(second.calls).toEqual(["SIGHUP 9000"]);
    await second.daemon.watch();
    await second.call("recoverIOChaos", { containerId: cid("a"), volumePath: "/data", recordKey: key(1) });
    await second.call("recoverIOChaos", { containerId: cid("a"), volumePath: "/data", recordKey: key(2) });
    expect(second.calls).toEqual(["SIGHUP 9000", "SIGHUP 9000", "SIGTERM 9000", "unmount 4242 /data", "swap /data 4242 from 900"]);
  });

  it("the watch drops a gone container's volume, ending its server", async () => {
    const s = setup();
    leaders[cid("f")] = 4646;
    await s.call("execIOChaos", exec(cid("f"), "/data", key(1), fault));
    delete leaders[cid("f")];
    await s.daemon.watch();
    expect(s.calls.at(-1)).toBe("SIGTERM 9000");
    expect(s.told).toEqual([expect.objectContaining({ message: "IOChaos container gone: its fault went with its mount namespace", recordKeys: [key(1)] })]);
  });
});

describe("iofsMountIdIn", () => {
  it("finds our mount on top of the volume (escaped paths too), and nothing when the top one is not ours", () => {
    const info = ["20 1 8:1 / / rw - ext4 /dev/sda1 rw", "31 20 0:40 / /my\\040data rw - tmpfs tmpfs rw", "45 31 0:45 / /my\\040data rw,nosuid - fuse.faultline-iofs faultline-iofs rw"].join("\n");
    expect(iofsMountIdIn(info, "/my data")).toBe(45);
    expect(iofsMountIdIn(info.split("\n").slice(0, 2).join("\n"), "/my data")).toBeUndefined();
    expect(iofsMountIdIn(`${info}\n50 45 0:50 / /my\\040data rw - tmpfs tmpfs rw`, "/my data")).toBeUndefined();
  });
});
