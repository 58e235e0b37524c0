import net from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon, ExecStressRequest_Scope } from "@faultline/api";
import { cgroupTargetOf } from "./cgroup-target.js";
import {
  defaultStressorLauncher,
  findStressors,
  killStressors,
  loadMarkerSecret,
  markerMac,
  removeStressorTmpfs,
  startStressor,
  stressMarkers,
  stressorTempDir,
} from "./stressor-processes.js";
import {
  CriPodFixture,
  cgroupsOf,
  cpuRate,
  cpuUsageNs,
  defaultTestContainerdSocket,
  eventually,
  memoryLimitFile,
  memoryUsageBytes,
  processesInPidNamespaceOf,
} from "@faultline/test-ground";
import { stressChaosDaemon } from "./stress-chaos-daemon.js";
import { startKindTestDaemon, type KindTestDaemon } from "../kind-daemon.test-support.js";

// Real containerd, real containers, real cgroups, real stress-ng, real gRPC. What is measured is
// the target cgroup's own accounting (cpuacct, memory), before, during and after.
const MiB = 2 ** 20;
/** utime + stime of a process, in clock ticks (10 ms). */
const cpuTicksOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
};

/** Whether `dir` is a mount point (of this process's mount namespace, the daemon's: it runs in this one). */
const mountedAt = (dir: string) => readFileSync("/proc/self/mountinfo", "utf8").split("\n").find((line) => line.split(" ")[4] === dir);

describe("stressChaosDaemon", () => {
  const pods = new CriPodFixture(defaultTestContainerdSocket());
  const stateDir = mkdtempSync(join(tmpdir(), "faultline-stress-state-"));
  const markerSecretFile = join(stateDir, "stress-marker.key");
  const secret = () => loadMarkerSecret(markerSecretFile);
  const forgers: ChildProcess[] = [];
  let daemon: KindTestDaemon;
  const client = createClient(
    ChaosDaemon,
    createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(daemon.socketPath) } }),
  );
  const exec = (target: string, fields: { cpuStressors?: string; memoryStressors?: string; oomScoreAdj?: number; recordKey?: string }) =>
    client.execStressors({ scope: ExecStressRequest_Scope.CONTAINER, target, enterNs: true, ...fields });
  const stressorsIn = (pid: number) => processesInPidNamespaceOf(pid).filter((p) => p.comm.startsWith("stress-ng"));
  const key = (name: string) => `test-${Math.random().toString(36).slice(2, 8)}/${name}`;

  beforeAll(async () => {
    daemon = await startKindTestDaemon("StressChaos", (deps) => stressChaosDaemon(deps, { markerSecretFile }));
  });

  afterAll(async () => {
    for (const forger of forgers) forger.kill("SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
    await daemon?.stop();
    await pods.removeAll();
    pods.close();
  }, 60_000);

  it("CPU: the container's cgroup uses about load × workers, inside its cgroups and pid namespace; after cancel, nothing", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "cpu" });
    const idle = await cpuRate(pid, 1000);
    const recordKey = key("cpu");
    const started = await exec(containerId, { cpuStressors: "--cpu-load-slice 10 --cpu-method sqrt --cpu 2 --cpu-load 40", recordKey });
    expect(started.cpuInstance).toMatch(/^\d+$/);
    expect(started.cpuInstanceUid).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.memoryInstance).toBe("");

    // every stress-ng process: in the target's pid namespace and in every one of its cgroups
    // both workers named: a worker just forked still carries its parent's name ("stress-ng") until it renames itself
    const stressors = await eventually("stress-ng's two CPU workers", async () => {
      const now = stressorsIn(pid);
      return now.filter((s) => s.comm === "stress-ng-cpu").length === 2 ? now : undefined;
    }, 10_000);
    for (const s of stressors) {
      expect(readlinkSync(`/proc/${s.pid}/ns/pid`)).toBe(readlinkSync(`/proc/${pid}/ns/pid`));
      expect(cgroupsOf(s.pid)).toBe(cgroupsOf(pid));
    }
    expect(stressors.filter((s) => s.comm === "stress-ng-cpu")).toHaveLength(2);

    // 2 workers × 40% = 0.8 CPU, measured by the container's own cpuacct. These two cores are
    // shared with other work (load averages over 10 seen), so the band is wide; what must hold
    // exactly is that the stressors' CPU time is the container's: its cgroup's usage grows by what
    // the stress-ng processes themselves used, and not less.
    const ticks = () => stressors.reduce((sum, s) => sum + cpuTicksOf(s.pid), 0);
    const ticksBefore = ticks();
    const cgroupBefore = cpuUsageNs(pid);
    const busy = await cpuRate(pid, 4000);
    const stressNs = (ticks() - ticksBefore) * 10_000_000;
    const cgroupNs = cpuUsageNs(pid) - cgroupBefore;
    expect(busy).toBeGreaterThan(0.8 * 0.35);
    expect(busy).toBeLessThan(0.8 * 1.5);
    expect(cgroupNs).toBeGreaterThan(stressNs * 0.9);
    expect(cgroupNs).toBeLessThan(stressNs * 1.1 + 50_000_000);

    await client.cancelStressors({ recordKey });
    expect(stressorsIn(pid)).toEqual([]);
    expect(await findStressors({ key: recordKey }, secret())).toEqual([]);
    for (const s of stressors) expect(() => readlinkSync(`/proc/${s.pid}/ns/pid`)).toThrow();
    const after = await cpuRate(pid, 2000);
    expect(after).toBeLessThan(Math.max(0.05, idle + 0.03));
  }, 60_000);

  it("memory: the cgroup's usage rises by about the asked size and falls back after cancel", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "mem" });
    const before = memoryUsageBytes(pid);
    const recordKey = key("mem");
    const started = await exec(containerId, { memoryStressors: "--workers 2 --size 96MiB", recordKey });
    expect(started.memoryInstance).toMatch(/^\d+$/);
    const during = await eventually("the memory to be taken", async () => {
      const used = memoryUsageBytes(pid) - before;
      return used > 90 * MiB ? used : undefined;
    }, 15_000);
    expect(during).toBeLessThan(96 * MiB + 40 * MiB); // stress-ng's own processes take a little besides
    await client.cancelStressors({ memoryInstance: started.memoryInstance, memoryStartTime: started.memoryStartTime, memoryInstanceUid: started.memoryInstanceUid });
    expect(stressorsIn(pid)).toEqual([]);
    await eventually("the memory to be given back", async () => (memoryUsageBytes(pid) - before < 16 * MiB ? true : undefined), 10_000);
  }, 60_000);

  it("memory: a percentage is taken of the container's memory limit", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "mem-limit" });
    writeFileSync(memoryLimitFile(pid), String(400 * MiB)); // what the runtime writes for limits.memory: 400Mi
    const before = memoryUsageBytes(pid);
    const recordKey = key("mem-limit");
    await exec(containerId, { memoryStressors: "--workers 1 --size 25%", recordKey });
    const during = await eventually("25% of 400 MiB to be taken", async () => {
      const used = memoryUsageBytes(pid) - before;
      return used > 95 * MiB ? used : undefined;
    }, 15_000);
    expect(during).toBeLessThan(100 * MiB + 30 * MiB);
    const line = daemon.lines.find((l) => l["message"] === "stressors running" && l["pid"] === pid);
    expect(line?.["memoryLimitBytes"]).toBe(400 * MiB);
    expect((line?.["argv"] as { memory: string[] }).memory).toEqual(expect.arrayContaining(["--vm", "1", "--vm-bytes", `${100 * MiB}b`]));
    await client.cancelStressors({ recordKey });
    expect(stressorsIn(pid)).toEqual([]);
  }, 60_000);

  it("memory: the stressor's processes get the oomScoreAdj asked (stress-ng's own adjustment off)", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "oom-adj" });
    const recordKey = key("oom-adj");
    await exec(containerId, { memoryStressors: "--workers 1 --size 8MB", oomScoreAdj: 500, recordKey });
    const workers = await eventually("the vm worker and its child", async () => {
      const found = stressorsIn(pid).filter((s) => s.comm === "stress-ng-vm");
      return found.length >= 2 ? found : undefined;
    }, 10_000);
    for (const w of [...workers, ...stressorsIn(pid)]) expect(readFileSync(`/proc/${w.pid}/oom_score_adj`, "utf8").trim()).toBe("500");
    await client.cancelStressors({ recordKey });
    expect(stressorsIn(pid)).toEqual([]);
  }, 60_000);

  it("memory: a negative oomScoreAdj is applied, or refused clearly where the daemon lacks CAP_SYS_RESOURCE", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "oom-neg" });
    const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]}`);
    const recordKey = key("oom-neg");
    const started = exec(containerId, { memoryStressors: "--workers 1 --size 8MB", oomScoreAdj: -1000, recordKey });
    if (((capEff >> 24n) & 1n) === 1n) {
      await started;
      await eventually("the vm worker", async () => (stressorsIn(pid).some((s) => s.comm === "stress-ng-vm") ? true : undefined), 10_000);
      for (const w of stressorsIn(pid)) expect(readFileSync(`/proc/${w.pid}/oom_score_adj`, "utf8").trim()).toBe("-1000");
      await client.cancelStressors({ recordKey });
    } else {
      await expect(started).rejects.toMatchObject({ code: Code.FailedPrecondition, rawMessage: expect.stringMatching(/lowering it needs CAP_SYS_RESOURCE/) });
    }
    expect(stressorsIn(pid)).toEqual([]);
  }, 60_000);

  it("a raw stress-ng string runs what it says", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "stressng" });
    const before = memoryUsageBytes(pid);
    const recordKey = key("stressng");
    await exec(containerId, { cpuStressors: "--cpu 1 --cpu-load 30 --vm 1 --vm-bytes 48M --vm-keep --vm-hang 0", recordKey });
    const running = await eventually("a cpu and a vm worker", async () => {
      const names = stressorsIn(pid).map((s) => s.comm);
      return names.includes("stress-ng-cpu") && names.includes("stress-ng-vm") ? names : undefined;
    }, 10_000);
    expect(running).toEqual(expect.arrayContaining(["stress-ng", "stress-ng-cpu", "stress-ng-vm"]));
    await eventually("48 MB to be taken", async () => (memoryUsageBytes(pid) - before > 40 * MiB ? true : undefined), 15_000);
    await client.cancelStressors({ recordKey });
    expect(stressorsIn(pid)).toEqual([]);
  }, 60_000);

  it("is idempotent by record key: a second ExecStressors returns the running stressor, starting nothing", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "idem" });
    const recordKey = key("idem");
    const first = await exec(containerId, { cpuStressors: "--cpu 1 --cpu-load 10", recordKey });
    await eventually("the worker", async () => (stressorsIn(pid).some((s) => s.comm === "stress-ng-cpu") ? true : undefined), 10_000);
    const second = await exec(containerId, { cpuStressors: "--cpu 1 --cpu-load 10", recordKey });
    expect(second.cpuInstanceUid).toBe(first.cpuInstanceUid);
    expect(second.cpuInstance).toBe(first.cpuInstance);
    expect(stressorsIn(pid).filter((s) => s.comm === "stress-ng")).toHaveLength(1);
    // ListStressors (the manager's sweep) names it once, by its key
    const listed = (await client.listStressors({})).stressors.filter((s) => s.recordKey === recordKey);
    expect(listed.map((s) => ({ part: s.part, uid: s.uid }))).toEqual([{ part: "cpu", uid: first.cpuInstanceUid }]);
    await client.cancelStressors({ recordKey });
    await client.cancelStressors({ recordKey }); // and cancel twice is fine
    expect(stressorsIn(pid)).toEqual([]);
    expect((await client.listStressors({})).stressors.filter((s) => s.recordKey === recordKey)).toEqual([]);
  }, 60_000);

  it("cancels by Chaos Mesh's pid and start time alone", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "cm-cancel" });
    const started = await exec(containerId, { cpuStressors: "--cpu 1 --cpu-load 10" });
    await eventually("the worker", async () => (stressorsIn(pid).length > 0 ? true : undefined), 10_000);
    await client.cancelStressors({ cpuInstance: started.cpuInstance, cpuStartTime: started.cpuStartTime });
    expect(stressorsIn(pid)).toEqual([]);
  }, 60_000);

  it("a target gone takes its stressors with it; cancelling then succeeds", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "gone" });
    const recordKey = key("gone");
    await exec(containerId, { cpuStressors: "--cpu 1 --cpu-load 10", recordKey });
    await pods.stopContainer(containerId);
    await eventually("the stressors to die with the pid namespace", async () => ((await findStressors({ key: recordKey }, secret())).length === 0 ? true : undefined), 10_000);
    await expect(client.cancelStressors({ recordKey })).resolves.toBeDefined();
    await expect(exec(containerId, { cpuStressors: "--cpu 1", recordKey })).rejects.toMatchObject({ code: expect.any(Number) });
  }, 60_000);

  it.each([
    ["a shell metacharacter", { cpuStressors: "--cpu 1; rm -rf /" }, /cpuStressors holds a character other than/],
    ["a path", { cpuStressors: "--cpu 1 --temp-path /etc" }, /cpuStressors holds a character other than/],
    ["an option that names a file", { cpuStressors: "--cpu 1 --log-file x" }, /cpuStressors: --log-file is not allowed: only CPU and memory stressors/],
    ["a stressor writing files (--hdd)", { cpuStressors: "--cpu 1 --hdd 1" }, /cpuStressors: --hdd is not allowed/],
    ["a refused option under a prefix", { cpuStressors: "--cpu 1 --hdd-w 4096" }, /cpuStressors: --hdd-write-size \(--hdd-w is --hdd-write-size\) is not allowed/],
    ["an ambiguous prefix", { cpuStressors: "--cpu 1 --cpu-lo 5" }, /cpuStressors: --cpu-lo is ambiguous/],
    ["a refused memory option", { memoryStressors: "--workers 1 --size 1MB --vm-locked" }, /memoryStressors: --vm-locked is not allowed/],
    ["an unknown option", { cpuStressors: "--cpu 1 --explode 3" }, /cpuStressors: --explode is not a stress-ng option/],
    ["a value out of range", { cpuStressors: "--cpu 1 --cpu-load 500" }, /stress-ng refuses/],
    ["no stressor", { cpuStressors: "", memoryStressors: "" }, /missing stressors/],
    ["a memory stressor without workers", { memoryStressors: "--size 10MB" }, /--workers is missing/],
    ["a size over 100%", { memoryStressors: "--workers 1 --size 150%" }, /more than 100%/],
    ["a malformed size", { memoryStressors: "--workers 1 --size lots" }, /neither "N%" nor bytes/],
    ["an oomScoreAdj out of range", { memoryStressors: "--workers 1 --size 1MB", oomScoreAdj: -1001 }, /oomScoreAdj must be -1000..1000/],
  ])("refuses %s with InvalidArgument, starting nothing", async (_what, fields, message) => {
    const { containerId, pid } = await pods.startContainer({ name: "bad" });
    const tmpfsBefore = existsSync(defaultStressorLauncher.tempRoot) ? readdirSync(defaultStressorLauncher.tempRoot) : [];
    const error = await exec(containerId, fields).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: Code.InvalidArgument, rawMessage: expect.stringMatching(message) });
    expect(stressorsIn(pid)).toEqual([]);
    expect(existsSync(defaultStressorLauncher.tempRoot) ? readdirSync(defaultStressorLauncher.tempRoot) : []).toEqual(tmpfsBefore);
  }, 60_000);

  it("stress-ng runs without any capability, not as root, no new privileges, in its own tmpfs, which goes on cancel", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "confined" });
    const recordKey = key("confined");
    const started = await exec(containerId, { memoryStressors: "--workers 1 --size 8MB", oomScoreAdj: 300, recordKey });
    const dir = stressorTempDir(defaultStressorLauncher, started.memoryInstanceUid);
    const all = await eventually("the vm worker", async () => {
      const now = stressorsIn(pid);
      return now.some((s) => s.comm === "stress-ng-vm") ? now : undefined;
    }, 10_000);
    for (const s of all) {
      const status = readFileSync(`/proc/${s.pid}/status`, "utf8");
      expect(status).toMatch(/^Uid:\t65534\t65533\t65533\t65533$/m);
      expect(status).toMatch(/^Gid:\t65534\t65534\t65534\t65534$/m);
      expect(status).toMatch(/^Groups:[\t ]*$/m);
      for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(status).toMatch(new RegExp(`^${set}:\\t0{16}$`, "m"));
      expect(status).toMatch(/^NoNewPrivs:\t1$/m);
      expect(readlinkSync(`/proc/${s.pid}/cwd`)).toBe(dir);
      expect(readFileSync(`/proc/${s.pid}/oom_score_adj`, "utf8").trim()).toBe("300"); // set by choom before the drop
    }
    const parent = all.find((s) => s.comm === "stress-ng")!;
    expect(readFileSync(`/proc/${parent.pid}/cmdline`, "utf8").split("\0")).toEqual(expect.arrayContaining(["--temp-path", dir]));
    expect(mountedAt(dir)).toMatch(/ - tmpfs faultline-stress rw,.*size=16384k/);
    expect(mountedAt(dir)).toMatch(/nosuid,nodev,noexec/);
    await client.cancelStressors({ recordKey });
    expect(stressorsIn(pid)).toEqual([]);
    expect(mountedAt(dir)).toBeUndefined();
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it("--hdd, were it let through, would write only into the stressor's tmpfs: nowhere on the node", async () => {
    // the allowlist refuses --hdd (above); here the confinement under it is shown alone, by starting
    // stress-ng's hdd stressor straight through startStressor, as the daemon starts every stressor
    const { pid } = await pods.startContainer({ name: "hdd" });
    const cgroup = await cgroupTargetOf(pid);
    // only stress-ng's own entries: the machine is shared, and other tests write into tmpdir() while this one runs
    const stressNgIn = (dir: string) => readdirSync(dir).filter((entry) => entry.includes("stress-ng"));
    const listing = () => ({ root: stressNgIn("/"), cwd: stressNgIn(process.cwd()), tmp: stressNgIn(tmpdir()) });
    const before = listing();
    const recordKey = key("hdd");
    const instance = await startStressor({ part: "cpu", key: recordKey, args: ["--timeout", "0", "--hdd", "1", "--hdd-bytes", "1M"], targetPid: pid, cgroup, oomScoreAdj: 0 }, secret());
    const dir = stressorTempDir(defaultStressorLauncher, instance.uid);
    try {
      const written = await eventually("stress-ng's hdd files in its tmpfs", async () => {
        const entries = readdirSync(dir, { recursive: true }) as string[];
        return entries.some((e) => e.startsWith("tmp-stress-ng-hdd")) ? entries : undefined;
      }, 10_000);
      expect(written.length).toBeGreaterThan(0);
      expect(listing()).toEqual(before);
    } finally {
      await killStressors({ uid: instance.uid }, secret());
      await removeStressorTmpfs(defaultStressorLauncher, instance.uid);
    }
    expect(existsSync(dir)).toBe(false);
    expect(mountedAt(dir)).toBeUndefined();
    expect(listing()).toEqual(before);
  }, 60_000);

  it("a forged marker is not taken for a running stressor: ExecStressors starts the real one, and cancel leaves the forger alone", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "forged" });
    const recordKey = key("forged");
    const uid = randomUUID();
    // any process can carry the marker names; this one has the record's key and a MAC made with another secret
    const forger = spawn("stress-ng", ["--sleep", "1", "--sleep-max", "2", "--timeout", "120"], {
      stdio: "ignore",
      env: { PATH: process.env["PATH"], [stressMarkers.key]: recordKey, [stressMarkers.uid]: uid, [stressMarkers.part]: "cpu", [stressMarkers.mac]: markerMac(Buffer.alloc(32, 1), recordKey, uid, "cpu") },
    });
    forgers.push(forger);
    await eventually("the forger to run", async () => (readFileSync(`/proc/${forger.pid}/comm`, "utf8").startsWith("stress-ng") ? true : undefined), 5000);
    const started = await exec(containerId, { cpuStressors: "--cpu 1 --cpu-load 10", recordKey });
    expect(started.cpuInstanceUid).not.toBe(uid);
    expect(started.cpuInstance).not.toBe(String(forger.pid));
    await eventually("the real worker in the target", async () => (stressorsIn(pid).some((s) => s.comm === "stress-ng-cpu") ? true : undefined), 10_000);
    // the forger is nobody's stressor: ListStressors does not name it
    expect((await client.listStressors({})).stressors.filter((s) => s.recordKey === recordKey).map((s) => s.uid)).toEqual([started.cpuInstanceUid]);
    await client.cancelStressors({ recordKey });
    expect(stressorsIn(pid)).toEqual([]);
    expect(forger.exitCode).toBeNull();
    expect(readFileSync(`/proc/${forger.pid}/comm`, "utf8")).toMatch(/^stress-ng/);
  }, 60_000);

  it("a restarted daemon (the same secret file) recognises, reuses and stops what the earlier one started, and sweeps its tmpfs", async () => {
    const { containerId, pid } = await pods.startContainer({ name: "restart" });
    const recordKey = key("restart");
    const first = await exec(containerId, { cpuStressors: "--cpu 1 --cpu-load 10", recordKey });
    const dir = stressorTempDir(defaultStressorLauncher, first.cpuInstanceUid);
    await eventually("the worker", async () => (stressorsIn(pid).some((s) => s.comm === "stress-ng-cpu") ? true : undefined), 10_000);
    const restarted = await startKindTestDaemon("StressChaos", (deps) => stressChaosDaemon(deps, { markerSecretFile }));
    try {
      const client2 = createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(restarted.socketPath) } }));
      const again = await client2.execStressors({ scope: ExecStressRequest_Scope.CONTAINER, target: containerId, enterNs: true, cpuStressors: "--cpu 1 --cpu-load 10", recordKey });
      expect(again.cpuInstanceUid).toBe(first.cpuInstanceUid);
      expect(mountedAt(dir)).toBeDefined(); // its start-up sweep left a running stressor's tmpfs alone
      await client2.cancelStressors({ recordKey });
      expect(stressorsIn(pid)).toEqual([]);
      expect(existsSync(dir)).toBe(false);
    } finally {
      await restarted.stop();
    }
  }, 60_000);

  it("the lease cap: a stressor nobody renews is stopped when its lease passes, a renewed one runs on, also across a daemon restart", async () => {
    const orphan = await pods.startContainer({ name: "lease-orphan" });
    const kept = await pods.startContainer({ name: "lease-kept" });
    const [orphanKey, keptKey] = [key("lease-orphan"), key("lease-kept")];
    const leased = () => startKindTestDaemon("StressChaos", (deps) => stressChaosDaemon(deps, { markerSecretFile, leaseCheckMs: 200 }));
    const clientOf = (d: KindTestDaemon) => createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(d.socketPath) } }));
    let first: KindTestDaemon | undefined = await leased();
    let second: KindTestDaemon | undefined;
    try {
      const c1 = clientOf(first);
      const start = (target: string, recordKey: string) => c1.execStressors({ scope: ExecStressRequest_Scope.CONTAINER, target, enterNs: true, cpuStressors: "--cpu 1 --cpu-load 5", recordKey, leaseSeconds: 3 });
      // taken before the orphan's ExecStressors: its lease runs from a moment after this
      const startedAt = Date.now();
      await start(orphan.containerId, orphanKey);
      await start(kept.containerId, keptKey);
      await eventually("both workers", async () => (stressorsIn(orphan.pid).length > 0 && stressorsIn(kept.pid).length > 0 ? true : undefined), 10_000);
      // renewed for longer than the daemon's restart below can take on a loaded machine: the renewal,
      // not a race with the restart, is what keeps it (3 s is its first lease, the orphan's only one)
      expect((await c1.renewStressorLeases({ recordKeys: [keptKey], leaseSeconds: 30 })).renewed).toBe(1);
      // the daemon restarts (the same state directory); the new one renews the kept stressor
      await first.stop();
      first = undefined;
      second = await leased();
      const c2 = clientOf(second);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await c2.renewStressorLeases({ recordKeys: [keptKey], leaseSeconds: 30 })).renewed).toBe(1);
      // the orphan is stopped by the restarted daemon's lease check while the test still runs
      // (eventually's deadline), never before its lease passed (checked every 200 ms)
      await eventually("the orphan stopped", async () => (stressorsIn(orphan.pid).length === 0 ? true : undefined), 20_000, 100);
      const stoppedAfterMs = Date.now() - startedAt;
      console.log(`an unrenewed stressor (lease 3 s) stopped ${stoppedAfterMs} ms after it started`);
      expect(stoppedAfterMs).toBeGreaterThanOrEqual(3_000);
      expect((await c2.renewStressorLeases({ recordKeys: [keptKey], leaseSeconds: 30 })).renewed).toBe(1); // the manager renews every sweep
      await new Promise((r) => setTimeout(r, 1500));
      expect(await c2.renewStressorLeases({ recordKeys: [keptKey], leaseSeconds: 30 })).toMatchObject({ renewed: 1 });
      expect(Date.now() - startedAt).toBeGreaterThan(4_000); // past its first lease: renewed, so running
      expect(stressorsIn(kept.pid).length).toBeGreaterThan(0);
      await expect(c2.renewStressorLeases({ recordKeys: [keptKey], leaseSeconds: -1 })).rejects.toMatchObject({ code: Code.InvalidArgument });
      await c2.cancelStressors({ recordKey: keptKey });
      expect(stressorsIn(kept.pid)).toEqual([]);
    } finally {
      await first?.stop();
      await second?.stop();
    }
  }, 60_000);

  it("answers NotFound for a container the runtime does not know", async () => {
    await expect(exec("containerd://" + "e".repeat(64), { cpuStressors: "--cpu 1" })).rejects.toMatchObject({ code: Code.NotFound });
  });
});
