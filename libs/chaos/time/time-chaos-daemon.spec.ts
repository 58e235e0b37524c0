import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, ConnectError } from "@connectrpc/connect";
import type { DaemonKindDeps } from "@faultline/chaos-kind";
import { ContainerNotFoundError } from "@faultline/cri-client";
import { callDaemonHandler, type DaemonLogLine } from "@faultline/daemon-server";
import { createTimeChaosDaemon, type TimeChaosDaemon, type TimeWatchEvent } from "./time-chaos-daemon.js";
import { timeSkewKey, type ProcessSkewState, type TimeSkewEntry, type TimeSkewHelper } from "./time-skew-helper.js";

// The daemon handlers as the server calls them, without a server: a fake runtime, a procfs and a
// cgroup tree in a directory of the test's, and an in-memory TimeSkewHelper holding each process's
// entries (the real helper on real containers is in time-chaos-daemon.integration.spec.ts).
const containerId = "containerd://" + "c".repeat(64);
const goneId = "containerd://" + "0".repeat(64);
const uidA = "11111111-2222-3333-4444-555555555555/app/web-0/main";
const uidB = "99999999-2222-3333-4444-555555555555/app/web-0/main";
const set = (uid: string, sec: bigint, extra: object = {}) => ({ containerId, sec, nsec: 0n, clkIdsMask: 1n, uid, podContainerName: "uid-web-0:main", ...extra });

class FakeNode {
  readonly root = mkdtempSync(join(tmpdir(), "faultline-time-unit-"));
  readonly proc = join(this.root, "proc");
  readonly cgroup = join(this.root, "cgroup");
  readonly state = join(this.root, "state");
  /** Each live process's entries (absent: clean), and every helper call. */
  readonly entries = new Map<number, TimeSkewEntry[]>();
  readonly calls: string[] = [];
  probeRefusal: string | undefined;
  unreadable = false;
  failOn = new Map<number, "error" | "partial">();
  leader = 100;

  constructor() {
    mkdirSync(join(this.cgroup, "pod", "c"), { recursive: true });
    writeFileSync(join(this.cgroup, "cgroup.controllers"), "cpu memory\n");
    this.spawn(100);
  }

  spawn(pid: number, start = 1000 + pid): void {
    mkdirSync(join(this.proc, String(pid)), { recursive: true });
    writeFileSync(join(this.proc, String(pid), "stat"), `${pid} (app) S 1 ${pid} ${pid} 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 0 0\n`);
    writeFileSync(join(this.proc, String(pid), "maps"), `7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0                          [vdso]\n`);
    writeFileSync(join(this.proc, String(pid), "cgroup"), "0::/pod/c\n");
    this.entries.set(pid, []);
    this.writeProcs();
  }

  exit(pid: number): void {
    rmSync(join(this.proc, String(pid)), { recursive: true, force: true });
    this.entries.delete(pid);
    this.writeProcs();
  }

  private writeProcs(): void {
    writeFileSync(join(this.cgroup, "pod", "c", "cgroup.procs"), [...this.entries.keys()].join("\n") + "\n");
  }

  stateOf(pid: number): ProcessSkewState {
    const e = this.entries.get(pid);
    if (e === undefined) return { pid, state: "gone" };
    return e.length === 0 ? { pid, state: "clean" } : { pid, state: "skewed", entries: e.map((x) => ({ ...x })) };
  }

  helper(): TimeSkewHelper {
    return {
      status: async (pids) => (this.calls.push(`status ${pids.join(",")}`), pids.map((p) => (this.unreadable ? { pid: p, state: "error", error: "cannot read /proc/mem" } : this.stateOf(p)))),
      set: async (pids, entries) => {
        this.calls.push(`set ${pids.join(",")} [${entries.map((e) => `${e.sec}`).join(" ")}]`);
        return pids.map((pid) => {
          const fail = this.failOn.get(pid);
          if (fail === "error") return { pid, state: "error", error: "ptrace: Operation not permitted" };
          if (fail === "partial") return { pid, state: "partial", entries: [...entries] };
          if (!this.entries.has(pid)) return { pid, state: "gone" };
          this.entries.set(pid, entries.map((e) => ({ ...e })));
          return this.stateOf(pid);
        });
      },
      probe: async (pid) => (this.calls.push(`probe ${pid}`), this.probeRefusal === undefined ? { ok: true } : { ok: false, reason: this.probeRefusal }),
    };
  }

  deps(): DaemonKindDeps {
    return {
      runtime: {
        getPid: async (id: string) => {
          if (id === goneId || !this.entries.has(this.leader)) throw new ContainerNotFoundError(id, "container not found");
          return this.leader;
        },
      },
      runner: {},
    } as unknown as DaemonKindDeps;
  }

  daemon(events: TimeWatchEvent[] = []): TimeChaosDaemon {
    return createTimeChaosDaemon(this.deps(), { helper: this.helper(), stateDir: this.state, paths: { procRoot: this.proc, cgroupRoot: this.cgroup }, watchIntervalMs: 0, onWatch: (e) => events.push(e) });
  }

  secsOf(pid: number): number[] {
    return (this.entries.get(pid) ?? []).map((e) => e.sec);
  }
}

async function refusal(call: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ConnectError) return { code: error.code, message: error.rawMessage };
    throw error;
  }
  throw new Error("no refusal");
}

describe("timeChaosDaemon", () => {
  let node: FakeNode;
  beforeEach(() => {
    node = new FakeNode();
  });
  afterEach(() => rmSync(node.root, { recursive: true, force: true }));

  it("SetTimeOffset probes the leader, then gives the entry to every process of the container's cgroup, keyed by sha256(uid)", async () => {
    node.spawn(101);
    const logLines: DaemonLogLine[] = [];
    await callDaemonHandler(node.daemon().handlers, "setTimeOffset", set(uidA, -3600n, { nsec: -5n, clkIdsMask: 3n }), { logLines });
    expect(node.calls).toEqual(["probe 100", "status 100", "set 100,101 [-3600]"]);
    expect(node.entries.get(101)).toEqual([{ key: timeSkewKey(uidA), mask: 3, sec: -3600, nsec: -5 }]);
    expect(logLines).toContainEqual(expect.objectContaining({ message: "TimeChaos injected", uid: uidA, processes: 2, skewed: 2 }));
    const file = JSON.parse(readFileSync(join(node.state, "containers", `containerd_${"c".repeat(64)}.json`), "utf8"));
    expect(file).toMatchObject({ containerId, podContainerName: "uid-web-0:main", uids: { [timeSkewKey(uidA)]: uidA } });
  });

  it.each([
    [{ clkIdsMask: 1n << 12n }, "clkIdsMask"],
    [{ sec: 20_000_000_000n }, "sec"],
    [{ sec: -1n, nsec: 1n }, "nsec"],
    [{ uid: "" }, "uid"],
    [{ containerId: "nope" }, "containerId"],
  ])("refuses %j with InvalidArgument naming %s, touching nothing", async (change, field) => {
    const got = await refusal(callDaemonHandler(node.daemon().handlers, "setTimeOffset", set(uidA, 1n, change)));
    expect(got.code).toBe(Code.InvalidArgument);
    expect(got.message.startsWith(`${field}: `)).toBe(true);
    expect(node.calls).toEqual([]);
  });

  it("a leader the helper cannot skew is FailedPrecondition with the helper's reason, nothing touched", async () => {
    node.probeRefusal = "no [vdso] mapping: a static binary without the vDSO";
    const got = await refusal(callDaemonHandler(node.daemon().handlers, "setTimeOffset", set(uidA, 1n)));
    expect(got).toEqual({ code: Code.FailedPrecondition, message: `container ${containerId}: its processes cannot be skewed: no [vdso] mapping: a static binary without the vDSO; nothing was touched` });
    expect(node.calls).toEqual(["probe 100"]);
    expect((await callDaemonHandler(node.daemon().handlers, "listTimeChaos", {})).injections).toEqual([]);
  });

  it("two uids compose, the same uid again replaces its own, and recovering one leaves the other", async () => {
    const { handlers } = node.daemon();
    await callDaemonHandler(handlers, "setTimeOffset", set(uidA, -3600n));
    await callDaemonHandler(handlers, "setTimeOffset", set(uidB, 60n));
    await callDaemonHandler(handlers, "setTimeOffset", set(uidA, -7200n));
    expect(node.secsOf(100)).toEqual([60, -7200]);
    expect((await callDaemonHandler(handlers, "listTimeChaos", {})).injections).toEqual([expect.objectContaining({ containerId, uids: [uidB, uidA] })]);
    await callDaemonHandler(handlers, "recoverTimeOffset", { containerId, uid: uidA });
    expect(node.secsOf(100)).toEqual([60]);
    await callDaemonHandler(handlers, "recoverTimeOffset", { containerId, uid: uidB });
    expect(node.stateOf(100)).toEqual({ pid: 100, state: "clean" });
    expect((await callDaemonHandler(handlers, "listTimeChaos", {})).injections).toEqual([]);
  });

  it("a ninth uid on one container is ResourceExhausted, saying at most 8 compose", async () => {
    const { handlers } = node.daemon();
    for (let i = 0; i < 8; i++) await callDaemonHandler(handlers, "setTimeOffset", set(`uid-${i}`, BigInt(i + 1)));
    const got = await refusal(callDaemonHandler(handlers, "setTimeOffset", set("uid-8", 9n)));
    expect(got.code).toBe(Code.ResourceExhausted);
    expect(got.message).toMatch(/already carries 8 TimeChaos offsets: at most 8 compose on one container/);
    expect(node.secsOf(100)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("a daemon started again on the same state directory lists what the processes carry and recovers it", async () => {
    await callDaemonHandler(node.daemon().handlers, "setTimeOffset", set(uidA, -3600n));
    const restarted = node.daemon().handlers;
    expect((await callDaemonHandler(restarted, "listTimeChaos", {})).injections).toEqual([expect.objectContaining({ containerId, uids: [uidA] })]);
    await callDaemonHandler(restarted, "recoverTimeOffset", { containerId, uid: uidA });
    expect(node.stateOf(100).state).toBe("clean");
  });

  it("lists a key in force whose uid is not on file as sha256:<key>, and Recover still finds it by hashing the uid it is given", async () => {
    await callDaemonHandler(node.daemon().handlers, "setTimeOffset", set(uidA, -3600n));
    // the uids on file lost (a file of an older daemon): the keys in force are still listed, and recoverable
    rmSync(node.state, { recursive: true, force: true });
    mkdirSync(join(node.state, "containers"), { recursive: true });
    writeFileSync(join(node.state, "containers", `containerd_${"c".repeat(64)}.json`), JSON.stringify({ containerId, podContainerName: "", uids: {}, entries: [] }));
    const handlers = node.daemon().handlers;
    expect((await callDaemonHandler(handlers, "listTimeChaos", {})).injections).toEqual([expect.objectContaining({ uids: [`sha256:${timeSkewKey(uidA)}`] })]);
    await callDaemonHandler(handlers, "recoverTimeOffset", { containerId, uid: uidA });
    expect(node.stateOf(100).state).toBe("clean");
  });

  it("a container whose processes cannot be read now is listed with its uids on file (neither lost nor swept on a hiccup)", async () => {
    const { handlers } = node.daemon();
    await callDaemonHandler(handlers, "setTimeOffset", set(uidA, 5n));
    node.unreadable = true;
    const logLines: DaemonLogLine[] = [];
    expect((await callDaemonHandler(handlers, "listTimeChaos", {}, { logLines })).injections).toEqual([expect.objectContaining({ containerId, uids: [uidA] })]);
    expect(logLines).toContainEqual(expect.objectContaining({ message: "TimeChaos state of a container unreadable: listing its uids on file" }));
  });

  it("Recover of a container that is gone, or of a uid not in force, is OK", async () => {
    const { handlers } = node.daemon();
    await expect(callDaemonHandler(handlers, "recoverTimeOffset", { containerId: goneId, uid: uidA })).resolves.toMatchObject({});
    await expect(callDaemonHandler(handlers, "recoverTimeOffset", { containerId, uid: uidA })).resolves.toMatchObject({});
    expect(node.calls).toEqual(["status 100"]);
    await callDaemonHandler(handlers, "setTimeOffset", set(uidA, 5n));
    node.exit(100);
    await expect(callDaemonHandler(handlers, "recoverTimeOffset", { containerId, uid: uidA })).resolves.toMatchObject({});
    expect((await callDaemonHandler(handlers, "listTimeChaos", {})).injections).toEqual([]);
  });

  it("a leader the helper fails on restores what was in force before and says why", async () => {
    const { handlers } = node.daemon();
    await callDaemonHandler(handlers, "setTimeOffset", set(uidA, 5n));
    node.failOn.set(100, "error");
    const got = await refusal(callDaemonHandler(handlers, "setTimeOffset", set(uidB, 7n)));
    expect(got.code).toBe(Code.FailedPrecondition);
    expect(got.message).toMatch(/its process 100 could not be skewed: ptrace: Operation not permitted; what was in force before is restored/);
    expect(node.calls.at(-1)).toBe("set 100 [5]");
  });

  it("the watch gives the container's entries to processes started later, once per (pid, start time, vDSO), repairs partial ones and drops a gone container", async () => {
    const events: TimeWatchEvent[] = [];
    const daemon = node.daemon(events);
    await callDaemonHandler(daemon.handlers, "setTimeOffset", set(uidA, -60n));
    await daemon.watch();
    expect(node.calls.filter((c) => c.startsWith("set"))).toEqual(["set 100 [-60]"]);
    node.spawn(102);
    node.spawn(103);
    node.failOn.set(103, "partial");
    await daemon.watch();
    expect(node.secsOf(102)).toEqual([-60]);
    expect(events.at(-1)).toMatchObject({ message: "TimeChaos watch gave the container's offsets to its new or partial processes", containerId, pids: [102, 103] });
    node.failOn.delete(103);
    await daemon.watch();
    expect(node.calls.filter((c) => c.startsWith("set")).slice(-1)).toEqual(["set 103 [-60]"]);
    expect(node.secsOf(103)).toEqual([-60]);
    const sets = node.calls.length;
    await daemon.watch();
    expect(node.calls.length).toBe(sets);
    // pid 102 exec'd: a new vDSO, a new identity
    writeFileSync(join(node.proc, "102", "maps"), `7ffe00000000-7ffe00002000 r-xp 00000000 00:00 0                          [vdso]\n`);
    node.entries.set(102, []);
    await daemon.watch();
    expect(node.secsOf(102)).toEqual([-60]);
    node.exit(100);
    await daemon.watch();
    expect(events.at(-1)).toMatchObject({ message: "TimeChaos container gone: its offsets went with its processes", containerId, uids: [uidA] });
    expect(daemon.state.containerIds()).toEqual([]);
  });
});
