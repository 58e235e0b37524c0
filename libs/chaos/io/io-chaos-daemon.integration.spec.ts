import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { CriPodFixture, defaultTestContainerdSocket, eventually } from "@faultline/test-ground";
import { daemonClient } from "../pod-netns-process/pod-netns-daemon.test-support.js";
import type { IOChaosAction } from "./io-action.js";
import { ioServerKey } from "./io-helpers.js";
import { catIn, cgroupOf, failingFdSwap, faultedAt, mountVolume, startHolderContainer, startIOChaosTestDaemon, type IOChaosTestDaemon } from "./io-daemon.test-support.js";

// Real containerd, real busybox containers with a tmpfs volume, the real faultline-iofs and
// faultline-fd-swap, real gRPC: what an IOChaos does to a container's volume, and undoes. Timings
// are lower bounds only (a shared, noisy machine).
const key = (n: number) => `0b7c2f4e-1d2a-4c3b-9e8f-11223344556${n}/default/io/main`;
const eio: IOChaosAction = { type: "fault", methods: ["read"], percent: 100, faults: [{ errno: 5, weight: 1 }] };
const slow: IOChaosAction = { type: "latency", path: "/data/slow*", methods: ["read"], percent: 100, latency: "100ms" };
const exec = (containerId: string, volumePath: string, recordKey: string, action: IOChaosAction) => ({ containerId, volumePath, recordKey, action: JSON.stringify(action) });
/** The pids of faultline-iofs processes (server or watchdog) of a key. */
const execPids = (serverKey: string) =>
  readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const argv = readFileSync(`/proc/${n}/cmdline`, "utf8").split("\0");
        return argv[0]?.endsWith("faultline-iofs") && argv.includes(serverKey);
      } catch {
        return false;
      }
    });
const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.startsWith("Z");
  } catch {
    return false;
  }
};

describe("IOChaos's daemon on real containers", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  let daemon: IOChaosTestDaemon;
  const client = () => daemonClient(daemon);
  const serverOf = (containerId: string, volumePath: string) => daemon.daemon.state.read(ioServerKey(containerId, volumePath))?.server;

  /** A sleeping busybox container with tmpfs volumes mounted at `volumes`, each holding f (64 KiB of random bytes) and slow.txt. */
  async function volumeContainer(name: string, volumes: string[] = ["/data"]) {
    const { containerId, pid } = await pods.startContainer({ name, command: ["sleep", "3600"] });
    const data = randomBytes(65536);
    for (const v of volumes) {
      mountVolume(pid, v);
      writeFileSync(`/proc/${pid}/root${v}/f`, data);
      writeFileSync(`/proc/${pid}/root${v}/slow.txt`, "slow");
    }
    return { containerId, pid, data };
  }

  beforeAll(async () => {
    daemon = await startIOChaosTestDaemon({ watchIntervalMs: 0 });
  }, 180_000);

  afterAll(async () => {
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
  }, 120_000);

  it("fault: cat fails with EIO while injected; recovery restores the original mount and the data byte for byte", async () => {
    const c = await volumeContainer("io-fault");
    const started = Date.now();
    await client().execIOChaos(exec(c.containerId, "/data", key(1), eio));
    const injectMs = Date.now() - started;
    expect(faultedAt(c.pid, "/data")).toBe(true);
    const failed = catIn(c.pid, "/data/f");
    expect(failed).toMatchObject({ ok: false, stderr: expect.stringMatching(/Input\/output error/) });
    const recovering = Date.now();
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(1) });
    const recoverMs = Date.now() - recovering;
    expect(faultedAt(c.pid, "/data")).toBe(false);
    const back = catIn(c.pid, "/data/f");
    expect(back.ok && Buffer.compare(back.data, c.data)).toBe(0);
    expect(daemon.daemon.state.keys()).toEqual([]);
    console.log(JSON.stringify({ injectMs, recoverMs }));
  }, 120_000);

  it("latency: a read of a file matching path takes at least the delay, one not matching does not", async () => {
    const c = await volumeContainer("io-latency");
    await client().execIOChaos(exec(c.containerId, "/data", key(2), slow));
    const timed = (file: string) => {
      const t0 = process.hrtime.bigint();
      const r = catIn(c.pid, file);
      return { ok: r.ok, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
    };
    const slowRead = timed("/data/slow.txt");
    expect(slowRead).toMatchObject({ ok: true });
    expect(slowRead.ms).toBeGreaterThanOrEqual(100);
    console.log(JSON.stringify({ slowReadMs: slowRead.ms, otherReadMs: timed("/data/f").ms }));
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(2) });
    expect(faultedAt(c.pid, "/data")).toBe(false);
  }, 120_000);

  it("a process that opened /data/read.txt (and has its cwd there) before injection sees the fault after it, and not after recovery", async () => {
    const h = await startHolderContainer(pods, "io-holder");
    await eventually("the holder to print", async () => h.lines().at(-1));
    const before = h.lines().at(-1)!;
    expect(before.reader.read).toBe("4567");
    await client().execIOChaos(exec(h.containerId, "/data", key(3), eio));
    // the fault is in force once ExecIOChaos has answered (its server starts with no action, so the
    // swap's own opens are not faulted, and reads the rules once the processes are on it): a line
    // printed in between may show the FUSE mount without the fault. The second line printed after
    // the answer was read after it.
    const answered = h.lines().length;
    const fuseDev = await eventually("the holder's descriptor on the FUSE mount, read after the answer", async () => {
      const lines = h.lines();
      if (lines.length < answered + 2) return undefined;
      const l = lines.at(-1)!;
      return l.reader.dev !== before.reader.dev ? l : undefined;
    });
    expect(fuseDev.reader).toMatchObject({ off: 4, read: "" });
    expect(fuseDev.cwd.dev).toBe(fuseDev.reader.dev);
    await client().recoverIOChaos({ containerId: h.containerId, volumePath: "/data", recordKey: key(3) });
    const after = await eventually("the holder's descriptor back on the volume", async () => {
      const l = h.lines().at(-1)!;
      return l.reader.dev === before.reader.dev && l.reader.read === "4567" ? l : undefined;
    });
    expect(after).toMatchObject({ reader: { dev: before.reader.dev, ino: before.reader.ino, off: 4, read: "4567" }, cwd: { dev: before.cwd.dev, read: "cwd!" } });
    expect(faultedAt(h.pid, "/data")).toBe(false);
  }, 120_000);

  it("two volumes of one container: recovering one leaves the other faulted", async () => {
    const c = await volumeContainer("io-two", ["/data", "/logs"]);
    await client().execIOChaos(exec(c.containerId, "/data", key(4), eio));
    await client().execIOChaos(exec(c.containerId, "/logs", key(5), eio));
    expect([faultedAt(c.pid, "/data"), faultedAt(c.pid, "/logs")]).toEqual([true, true]);
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(4) });
    expect([faultedAt(c.pid, "/data"), faultedAt(c.pid, "/logs")]).toEqual([false, true]);
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: true });
    expect(catIn(c.pid, "/logs/f")).toMatchObject({ ok: false, stderr: expect.stringMatching(/Input\/output error/) });
    const listed = await client().listIOChaos({});
    expect(listed.injections.filter((i) => i.containerId === c.containerId).map((i) => [i.volumePath, i.recordKey])).toEqual([["/logs", key(5)]]);
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/logs", recordKey: key(5) });
    expect(faultedAt(c.pid, "/logs")).toBe(false);
  }, 120_000);

  it("a FUSE server SIGKILLed: the volume is never left dead (ENOTCONN), and the watch serves the records again", async () => {
    const c = await volumeContainer("io-kill");
    await client().execIOChaos(exec(c.containerId, "/data", key(6), eio));
    const server = serverOf(c.containerId, "/data")!;
    process.kill(server.pid, "SIGKILL");
    await eventually("the server to be gone", async () => (alive(server.pid) ? undefined : true));
    // the watchdog unmounted it: the volume answers (no ENOTCONN) before the daemon does anything
    await eventually("the watchdog to unmount", async () => (faultedAt(c.pid, "/data") ? undefined : true));
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: true });
    await daemon.daemon.watch();
    const again = serverOf(c.containerId, "/data")!;
    expect(again.pid).not.toBe(server.pid);
    expect(faultedAt(c.pid, "/data")).toBe(true);
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: false, stderr: expect.stringMatching(/Input\/output error/) });
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: "IOChaos server gone: the volume restored and served again", deadPid: server.pid, pid: again.pid }));
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(6) });
    expect(faultedAt(c.pid, "/data")).toBe(false);
  }, 120_000);

  it("the server and its watchdog live in the target container's cgroup; a daemon dropped abruptly leaves the fault acting, and a new daemon on the same state directory finds it and recovers it", async () => {
    const first = await startIOChaosTestDaemon({ watchIntervalMs: 0 });
    const c = await volumeContainer("io-restart");
    await daemonClient(first).execIOChaos(exec(c.containerId, "/data", key(7), eio));
    const server = first.daemon.state.read(ioServerKey(c.containerId, "/data"))!.server!;
    // in the target's cgroup (counted against its limits), not the daemon's: the runtime killing the daemon's cgroup does not take them
    expect(cgroupOf(server.pid)).toBe(cgroupOf(c.pid));
    expect(cgroupOf(server.watchdog)).toBe(cgroupOf(c.pid));
    expect(cgroupOf(server.pid)).not.toBe(cgroupOf(process.pid));
    await first.kill();
    expect(alive(server.pid) && alive(server.watchdog) && faultedAt(c.pid, "/data")).toBe(true);
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: false, stderr: expect.stringMatching(/Input\/output error/) });
    const second = await startIOChaosTestDaemon({ watchIntervalMs: 0, stateDir: first.stateDir });
    try {
      await second.daemon.watch();
      expect(second.daemon.state.read(ioServerKey(c.containerId, "/data"))!.server!.pid).toBe(server.pid);
      await daemonClient(second).recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(7) });
      expect(faultedAt(c.pid, "/data")).toBe(false);
      expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: true });
      await eventually("the server to exit", async () => (alive(server.pid) ? undefined : true));
    } finally {
      await second.stop();
    }
  }, 120_000);

  it("the watchdog SIGKILLed, then the server: the volume is dead until the watch, which unmounts it itself and serves again", async () => {
    const c = await volumeContainer("io-both-dead");
    await client().execIOChaos(exec(c.containerId, "/data", key(10), eio));
    const server = serverOf(c.containerId, "/data")!;
    process.kill(server.watchdog, "SIGKILL");
    await eventually("the watchdog to be gone", async () => (alive(server.watchdog) ? undefined : true));
    process.kill(server.pid, "SIGKILL");
    await eventually("the server to be gone", async () => (alive(server.pid) ? undefined : true));
    // nobody unmounted it: the volume is dead (ENOTCONN) and the daemon's watch is the second line
    expect(faultedAt(c.pid, "/data")).toBe(true);
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: false, stderr: expect.stringMatching(/not connected/) });
    await daemon.daemon.watch();
    const again = serverOf(c.containerId, "/data")!;
    expect(again.pid).not.toBe(server.pid);
    expect(alive(again.pid) && alive(again.watchdog)).toBe(true);
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: "IOChaos server gone: the volume restored and served again", deadPid: server.pid, pid: again.pid, back: expect.objectContaining({ failed: [] }) }));
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: false, stderr: expect.stringMatching(/Input\/output error/) });
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(10) });
    expect(faultedAt(c.pid, "/data")).toBe(false);
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: true });
  }, 120_000);

  it("only the watchdog SIGKILLed: the watch says so and starts the server pair again", async () => {
    const c = await volumeContainer("io-watchdog");
    await client().execIOChaos(exec(c.containerId, "/data", key(11), eio));
    const server = serverOf(c.containerId, "/data")!;
    process.kill(server.watchdog, "SIGKILL");
    await eventually("the watchdog to be gone", async () => (alive(server.watchdog) ? undefined : true));
    await daemon.daemon.watch();
    const again = serverOf(c.containerId, "/data")!;
    expect(again.pid).not.toBe(server.pid);
    expect(alive(again.watchdog)).toBe(true);
    expect(daemon.lines).toContainEqual(expect.objectContaining({ level: "warn", message: expect.stringMatching(/^IOChaos watchdog gone/), pid: server.pid, watchdog: server.watchdog }));
    await eventually("the old server to exit", async () => (alive(server.pid) ? undefined : true));
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: false, stderr: expect.stringMatching(/Input\/output error/) });
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(11) });
    expect(faultedAt(c.pid, "/data")).toBe(false);
  }, 120_000);

  it("a server pid reused by another process is not taken for the server (nor signalled): the watch serves again", async () => {
    const c = await volumeContainer("io-reuse");
    await client().execIOChaos(exec(c.containerId, "/data", key(12), eio));
    const k = ioServerKey(c.containerId, "/data");
    const st = daemon.daemon.state.read(k)!;
    const real = st.server!;
    // the state names the container's sleep (alive, another start time, another argv) as if the server's pid were reused
    daemon.daemon.state.write({ ...st, server: { ...real, pid: c.pid, watchdog: c.pid } });
    await daemon.daemon.watch();
    expect(alive(c.pid)).toBe(true);
    const again = serverOf(c.containerId, "/data")!;
    expect([again.pid === c.pid, alive(again.pid)]).toEqual([false, true]);
    await eventually("the real old server to be ended", async () => (alive(real.pid) ? undefined : true));
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: false });
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(12) });
    expect(faultedAt(c.pid, "/data")).toBe(false);
  }, 120_000);

  it("the watch drops the volume of a container that is gone, and its server exits", async () => {
    const c = await volumeContainer("io-gone-watch");
    await client().execIOChaos(exec(c.containerId, "/data", key(13), eio));
    const server = serverOf(c.containerId, "/data")!;
    await pods.stopContainer(c.containerId);
    await daemon.daemon.watch();
    expect(daemon.daemon.state.read(ioServerKey(c.containerId, "/data"))).toBeUndefined();
    expect(daemon.lines).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/^IOChaos container gone/), containerId: c.containerId, recordKeys: [key(13)] }));
    await eventually("the server to exit", async () => (alive(server.pid) ? undefined : true));
  }, 120_000);

  it("fd-swap failing after serve (exit 3): ExecIOChaos fails, and the new mount is taken off, its server ended, nothing kept", async () => {
    const flag = join(mkdtempSync(join(tmpdir(), "faultline-io-flag-")), "fail");
    writeFileSync(flag, "");
    const failing = await startIOChaosTestDaemon({ watchIntervalMs: 0, fdSwap: failingFdSwap(flag) });
    try {
      const c = await volumeContainer("io-swap-fails");
      await expect(daemonClient(failing).execIOChaos(exec(c.containerId, "/data", key(14), eio))).rejects.toMatchObject({ rawMessage: expect.stringMatching(/exited 3: fd-swap refused by the test/) });
      expect(faultedAt(c.pid, "/data")).toBe(false);
      expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: true });
      // the half-started server was told to stop, and exits (nothing holds its mount)
      const servers = () => failing.lines.filter((l) => l["message"] === "IOChaos injected");
      expect(servers()).toEqual([]);
      await eventually("no faultline-iofs of this volume left", async () => (execPids(ioServerKey(c.containerId, "/data")).length === 0 ? true : undefined));
      // the swap back (exit 3 too) is pending in the state; the watch finishes it once fd-swap works
      const st = failing.daemon.state.read(ioServerKey(c.containerId, "/data"));
      expect(st?.swapBack).toBeDefined();
      expect(st?.records).toEqual({});
      rmSync(flag);
      await failing.daemon.watch();
      expect(failing.daemon.state.keys()).toEqual([]);
    } finally {
      await failing.stop();
    }
  }, 120_000);

  it("Recover whose swap-back fails: Unavailable, the state kept (unmounted, swap pending); the watch retries it and a retried Recover is done", async () => {
    const flag = join(mkdtempSync(join(tmpdir(), "faultline-io-flag-")), "fail");
    const failing = await startIOChaosTestDaemon({ watchIntervalMs: 0, fdSwap: failingFdSwap(flag) });
    try {
      const c = await volumeContainer("io-back-fails");
      await daemonClient(failing).execIOChaos(exec(c.containerId, "/data", key(15), eio));
      writeFileSync(flag, "");
      const recover = () => daemonClient(failing).recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(15) });
      await expect(recover()).rejects.toMatchObject({ code: Code.Unavailable, rawMessage: expect.stringMatching(/switching the processes back failed/) });
      expect(faultedAt(c.pid, "/data")).toBe(false);
      const st = failing.daemon.state.read(ioServerKey(c.containerId, "/data"))!;
      expect(st.swapBack).toMatchObject({ recordKeys: [key(15)] });
      await expect(recover()).rejects.toMatchObject({ code: Code.Unavailable });
      await failing.daemon.watch();
      expect(failing.lines).toContainEqual(expect.objectContaining({ level: "warn", message: "IOChaos watch failed on a volume: tried again" }));
      rmSync(flag);
      await failing.daemon.watch();
      expect(failing.daemon.state.keys()).toEqual([]);
      await expect(recover()).resolves.toBeDefined();
    } finally {
      await failing.stop();
    }
  }, 120_000);

  it("a volume path that resolves elsewhere (/data -> /mnt/real): faulted, switched and recovered at the resolved path", async () => {
    const h = await startHolderContainer(pods, "io-symlink-holder");
    await eventually("the holder to print", async () => h.lines().at(-1));
    const { containerId, pid } = await pods.startContainer({ name: "io-symlink", command: ["sleep", "3600"] });
    mountVolume(pid, "/mnt/real");
    writeFileSync(`/proc/${pid}/root/mnt/real/f`, "real data");
    symlinkSync("/mnt/real", `/proc/${pid}/root/data`);
    await client().execIOChaos(exec(containerId, "/data", key(16), eio));
    expect(faultedAt(pid, "/mnt/real")).toBe(true);
    expect(catIn(pid, "/data/f")).toMatchObject({ ok: false, stderr: expect.stringMatching(/Input\/output error/) });
    expect(daemon.daemon.state.read(ioServerKey(containerId, "/data"))).toMatchObject({ resolvedPath: "/mnt/real", server: { mountId: expect.any(Number) } });
    await client().recoverIOChaos({ containerId, volumePath: "/data", recordKey: key(16) });
    expect(faultedAt(pid, "/mnt/real")).toBe(false);
    expect(catIn(pid, "/data/f")).toMatchObject({ ok: true });
  }, 120_000);

  it("a container deleted mid-experiment: its record is recovered and its server exits", async () => {
    const c = await volumeContainer("io-gone");
    await client().execIOChaos(exec(c.containerId, "/data", key(8), eio));
    const server = serverOf(c.containerId, "/data")!;
    await pods.stopContainer(c.containerId);
    await client().recoverIOChaos({ containerId: c.containerId, volumePath: "/data", recordKey: key(8) });
    expect(daemon.daemon.state.read(ioServerKey(c.containerId, "/data"))).toBeUndefined();
    await eventually("the server to exit", async () => (alive(server.pid) ? undefined : true));
  }, 120_000);

  it("a volumePath that is not a mount point, or not there: FailedPrecondition with the reason, nothing mounted, and its Recover is done at once", async () => {
    const c = await volumeContainer("io-bad");
    for (const volumePath of ["/etc", "/nope"]) {
      await expect(client().execIOChaos(exec(c.containerId, volumePath, key(9), eio))).rejects.toMatchObject({
        code: Code.FailedPrecondition,
        rawMessage: expect.stringMatching(new RegExp(`^container ${c.containerId}: volume ${volumePath} cannot be faulted: .+; nothing was mounted$`)),
      });
      expect(readFileSync(`/proc/${c.pid}/mountinfo`, "utf8")).not.toContain("fuse.faultline-iofs");
      await client().recoverIOChaos({ containerId: c.containerId, volumePath, recordKey: key(9) });
    }
    expect(daemon.daemon.state.keys()).toEqual([]);
  }, 120_000);

  it("ApplyIOChaos (Chaos Mesh's) sets the volume's whole set and answers the server's pid and start time; an empty list recovers", async () => {
    const c = await volumeContainer("io-apply");
    const answer = await client().applyIOChaos({ containerId: c.containerId, volume: "/data", enterNs: true, actions: JSON.stringify([{ type: "fault", path: "", methods: [], percent: 100, faults: [{ errno: 5, weight: 1 }], source: "default/io" }]) });
    const server = serverOf(c.containerId, "/data")!;
    expect(answer).toMatchObject({ instance: BigInt(server.pid), startTime: BigInt(server.startTimeMs) });
    expect(Math.abs(Number(answer.startTime) - Date.now())).toBeLessThan(60_000);
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: false });
    await expect(client().applyIOChaos({ containerId: c.containerId, volume: "/data", actions: "[]", instance: answer.instance, startTime: answer.startTime })).resolves.toMatchObject({ instance: 0n, startTime: 0n });
    expect(faultedAt(c.pid, "/data")).toBe(false);
    expect(catIn(c.pid, "/data/f")).toMatchObject({ ok: true });
  }, 120_000);
});
