// faultline-time-skew on real processes of this machine (ptrace as root; nothing else started).
// Every claim is read from the target's own output: the test targets print what their clocks say
// and, beside it, the true time from a raw syscall (which the patch never reaches).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, readSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { clockPrinterBinary, clockThreadsBinary, ensureTimeSkewBinary, unsupportedTimeSkewBinary, vforkParentBinary } from "./time-skew-helper.test-support.js";
import { createTimeSkewHelper, timeSkewArgv, timeSkewKey, type ProcessSkewState, type TimeSkewEntry } from "./time-skew-helper.js";

const binary = ensureTimeSkewBinary();
const helper = createTimeSkewHelper({ binary });
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
});

const REALTIME = 1 << 0;
const MONOTONIC = 1 << 1;
const entry = (uid: string, mask: number, sec: number, nsec = 0): TimeSkewEntry => ({ key: timeSkewKey(uid), mask, sec, nsec });

interface Line {
  pid: number;
  [field: string]: unknown;
}
/** A target process and the JSON lines it prints (its forked children's too). */
interface Target {
  child: ChildProcess;
  pid: number;
  lines: Line[];
  /** The first line printed after now (by `pid`, default the target) that satisfies `ok`, within `ms`. */
  next(ok?: (line: Line) => boolean, ms?: number, pid?: number): Promise<Line>;
}

function start(command: string, args: string[]): Promise<Target> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const lines: Line[] = [];
  const waiters = new Set<(line: Line) => void>();
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = JSON.parse(text) as Line;
    lines.push(line);
    for (const w of [...waiters]) w(line);
  });
  const pid = child.pid!;
  const next: Target["next"] = (ok = () => true, ms = 1000, who = pid) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`no matching line from ${who} within ${ms} ms; last: ${JSON.stringify(lines.at(-1))}`));
      }, ms);
      const waiter = (line: Line) => {
        if (line.pid !== who || !ok(line)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        resolve(line);
      };
      waiters.add(waiter);
    });
  const target = { child, pid, lines, next };
  return target.next(() => true, 5000).then(() => target);
}

const printer = () => start(clockPrinterBinary, []);
const num = (line: Line, field: string) => line[field] as number;
/** How far a printed clock is from the true time printed in the same line. */
const offset = (line: Line, field: "realtime" | "gettimeofday") => num(line, field) - num(line, "raw");
const near = (a: number, b: number, tolerance = 0.02) => Math.abs(a - b) <= tolerance;
/** The monotonic clock minus the true time: constant unless CLOCK_MONOTONIC is skewed. */
const monoBase = (line: Line) => num(line, "monotonic") - num(line, "raw");
/** Every vDSO interface of a line shows `sec` (time(): whole seconds). */
const shows = (sec: number) => (line: Line) =>
  near(offset(line, "realtime"), sec) && near(offset(line, "gettimeofday"), sec) && Math.abs(num(line, "time") - (num(line, "raw") + sec)) <= 1;

function vdsoRange(pid: number): [number, number] {
  const line = readFileSync(`/proc/${pid}/maps`, "utf8").split("\n").find((l) => l.endsWith("[vdso]"));
  if (!line) throw new Error(`no [vdso] in /proc/${pid}/maps`);
  const [lo, hi] = line.split(" ")[0]!.split("-").map((h) => parseInt(h, 16)) as [number, number];
  return [lo, hi];
}
/** The whole [vdso] mapping, read through /proc/<pid>/mem. */
function readVdso(pid: number): Buffer {
  const [lo, hi] = vdsoRange(pid);
  const fd = openSync(`/proc/${pid}/mem`, "r");
  try {
    const buf = Buffer.alloc(hi - lo);
    expect(readSync(fd, buf, 0, buf.length, lo)).toBe(buf.length);
    return buf;
  } finally {
    closeSync(fd);
  }
}
function writeVdsoByte(pid: number, fromEnd: number, value: number) {
  const [, hi] = vdsoRange(pid);
  const fd = openSync(`/proc/${pid}/mem`, "r+");
  try {
    writeSync(fd, Buffer.from([value]), 0, 1, hi - fromEnd);
  } finally {
    closeSync(fd);
  }
}
/** The scheduler state letter of /proc/<pid>/stat. */
const procState = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0];
};

interface RawRun {
  code: number | null;
  stdout: string;
  stderr: string;
}
function runRaw(args: string[]): Promise<RawRun> {
  return new Promise((resolve) => {
    execFile(binary, args, { encoding: "utf8" }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === "number" ? code : null, stdout, stderr });
    });
  });
}
const stateOf = async (pid: number) => (await helper.status([pid]))[0]!;

describe("faultline-time-skew on a single-threaded process", () => {
  it("shows the offset within a second of set, only on CLOCK_REALTIME when only its bit is set, and restores the exact original vDSO within a second", async () => {
    const t = await printer();
    const before = await t.next();
    const original = readVdso(t.pid);
    expect(shows(0)(before)).toBe(true);

    const set = Date.now();
    expect(await helper.set([t.pid], [entry("a", REALTIME, -3600)])).toEqual([{ pid: t.pid, state: "skewed", entries: [entry("a", REALTIME, -3600)] }]);
    const skewed = await t.next(shows(-3600), 1000);
    expect(Date.now() - set).toBeLessThan(1000);
    expect(near(monoBase(skewed), monoBase(before))).toBe(true); // CLOCK_MONOTONIC untouched: its bit is not set
    expect(readVdso(t.pid).equals(original)).toBe(false);

    const restore = Date.now();
    expect(await helper.set([t.pid], [])).toEqual([{ pid: t.pid, state: "clean" }]);
    await t.next(shows(0), 1000);
    expect(Date.now() - restore).toBeLessThan(1000);
    expect(readVdso(t.pid).equals(original)).toBe(true); // byte for byte, the whole mapping
    expect(await stateOf(t.pid)).toEqual({ pid: t.pid, state: "clean" });
    t.child.kill("SIGKILL");
  });

  it("two entries add per clock (CLOCK_MONOTONIC only where its bit is set); removing one leaves the other", async () => {
    const t = await printer();
    const before = await t.next();
    const original = readVdso(t.pid);
    const a = entry("a", REALTIME, -3600);
    const b = entry("b", REALTIME | MONOTONIC, 100);
    expect((await helper.set([t.pid], [a, b]))[0]).toEqual({ pid: t.pid, state: "skewed", entries: [a, b] });
    const both = await t.next(shows(-3500));
    expect(near(monoBase(both) - monoBase(before), 100)).toBe(true);

    expect((await helper.set([t.pid], [b]))[0]).toEqual({ pid: t.pid, state: "skewed", entries: [b] });
    const onlyB = await t.next(shows(100));
    expect(near(monoBase(onlyB) - monoBase(before), 100)).toBe(true);

    expect((await helper.set([t.pid], [a]))[0]).toEqual({ pid: t.pid, state: "skewed", entries: [a] });
    const onlyA = await t.next(shows(-3600));
    expect(near(monoBase(onlyA), monoBase(before))).toBe(true);

    await helper.set([t.pid], []);
    await t.next(shows(0));
    expect(readVdso(t.pid).equals(original)).toBe(true);
    t.child.kill("SIGKILL");
  });

  it("negative offsets with nanoseconds are normalised (-1.5 s as sec -1, nsec -500000000)", async () => {
    const t = await printer();
    await helper.set([t.pid], [entry("n", REALTIME, -1, -500_000_000)]);
    // a line not within 10 ms of a second boundary, so time() and clock_gettime agree on the second
    const line = await t.next((l) => near(offset(l, "realtime"), -1.5, 0.005) && num(l, "realtime") % 1 > 0.01 && num(l, "realtime") % 1 < 0.99, 2000);
    expect(near(offset(line, "gettimeofday"), -1.5, 0.005)).toBe(true);
    expect(num(line, "time")).toBe(Math.floor(num(line, "realtime"))); // time() carries the half second too
    // and +0.999999999 s carries into the seconds
    await helper.set([t.pid], [entry("n", REALTIME, 2, 999_999_999)]);
    await t.next((l) => near(offset(l, "realtime"), 3, 0.005) && near(offset(l, "gettimeofday"), 3, 0.005));
    await helper.set([t.pid], []);
    t.child.kill("SIGKILL");
  });

  it("a child forked (without exec) after injection is skewed at once", async () => {
    const t = await printer();
    await helper.set([t.pid], [entry("f", REALTIME, 7200)]);
    await t.next(shows(7200));
    t.child.kill("SIGUSR1");
    const first = await new Promise<Line>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the forked child printed nothing")), 2000);
      const poll = setInterval(() => {
        const line = t.lines.find((l) => l.pid !== t.pid);
        if (line) {
          clearInterval(poll);
          clearTimeout(timer);
          resolve(line);
        }
      }, 20);
    });
    expect(shows(7200)(first)).toBe(true); // its very first line
    expect((await stateOf(first.pid)).state).toBe("skewed"); // the patched page was copied by fork
    await helper.set([t.pid, first.pid], []);
    await t.next(shows(0), 1000, first.pid);
    process.kill(first.pid, "SIGKILL");
    t.child.kill("SIGKILL");
  });

  it("a raw syscall(SYS_clock_gettime) is NOT skewed (not reached: the kernel answers it, not the vDSO)", async () => {
    const t = await printer();
    await helper.set([t.pid], [entry("r", REALTIME, -86400)]);
    const line = await t.next(shows(-86400));
    // the raw value is this machine's true time (the test's own clock), the vDSO one is a day behind
    expect(Math.abs(num(line, "raw") - Date.now() / 1000)).toBeLessThan(2);
    expect(Math.abs(num(line, "realtime") - Date.now() / 1000 + 86400)).toBeLessThan(2);
    await helper.set([t.pid], []);
    t.child.kill("SIGKILL");
  });

  it("node's Date.now goes through the vDSO: skewed, then restored", async () => {
    const t = await start(process.execPath, ["-e", "setInterval(() => console.log(JSON.stringify({ pid: process.pid, now: Date.now() })), 100)"]);
    const drift = (l: Line) => num(l, "now") - Date.now();
    await helper.set([t.pid], [entry("node", REALTIME, 86400)]);
    await t.next((l) => Math.abs(drift(l) - 86_400_000) < 500);
    await helper.set([t.pid], []);
    await t.next((l) => Math.abs(drift(l)) < 500);
    t.child.kill("SIGKILL");
  });
});

describe("faultline-time-skew on a multi-threaded process", () => {
  it("8 threads calling the clock in a tight loop: no crash, every thread skewed, then every thread restored", async () => {
    const t = await start(clockThreadsBinary, ["8"]);
    const threads = (l: Line) => l["threads"] as { last: number; calls: number }[];
    const all = (sec: number) => (l: Line) => threads(l).length === 8 && threads(l).every((th) => near(th.last - num(l, "raw"), sec, 0.2));
    await t.next(all(0));
    for (let round = 0; round < 3; round++) {
      expect((await helper.set([t.pid], [entry("mt", REALTIME, 1000 + round)]))[0]!.state).toBe("skewed");
      await t.next(all(1000 + round));
    }
    const during = await t.next();
    expect((await helper.set([t.pid], []))[0]!.state).toBe("clean");
    const after = await t.next(all(0));
    threads(after).forEach((th, i) => expect(th.calls).toBeGreaterThan(threads(during)[i]!.calls)); // every thread runs on
    expect(t.child.exitCode).toBeNull();
    expect(procState(t.pid)).not.toMatch(/[tTZ]/);
    t.child.kill("SIGKILL");
  });
});

describe("faultline-time-skew: processes that are gone or cannot be skewed", () => {
  /** A pid that existed and is gone. */
  const deadPid = async () => {
    const child = spawn("true");
    await new Promise((resolve) => child.on("exit", resolve));
    return child.pid!;
  };

  it("a dead pid is gone (counts as recovered: exit 0) for status and set; probe says no such process", async () => {
    const pid = await deadPid();
    expect(await helper.status([pid])).toEqual([{ pid, state: "gone" }]);
    expect(await helper.set([pid], [entry("g", REALTIME, 1)])).toEqual([{ pid, state: "gone" }]);
    const raw = await runRaw(["set", String(pid)]);
    expect([raw.code, raw.stdout]).toEqual([0, `{"pid":${pid},"state":"gone"}\n`]);
    expect(await helper.probe(pid)).toEqual({ ok: false, reason: "no such process" });
    expect(await helper.probe(4_194_304)).toEqual({ ok: false, reason: "no such process" });
  });

  it("probe is ok on a normal process and changes nothing", async () => {
    const t = await printer();
    const original = readVdso(t.pid);
    expect(await helper.probe(t.pid)).toEqual({ ok: true });
    await t.next();
    expect(readVdso(t.pid).equals(original)).toBe(true);
    expect(procState(t.pid)).not.toMatch(/[tT]/);
    t.child.kill("SIGKILL");
  });

  it("no room in the vDSO (its free tail is not zero and not our image): probe and set give the reason, nothing is written", async () => {
    const t = await printer();
    writeVdsoByte(t.pid, 1, 0xcc); // someone else's byte in the last byte of the padding
    const occupied = readVdso(t.pid);
    const probe = await helper.probe(t.pid);
    expect(probe).toEqual({ ok: false, reason: expect.stringContaining("no room in the vDSO: its last 1024 bytes") });
    const [state] = await helper.set([t.pid], [entry("x", REALTIME, 5)]);
    expect(state).toEqual({ pid: t.pid, state: "error", error: expect.stringContaining("are neither zero nor a faultline-time-skew image") });
    expect(readVdso(t.pid).equals(occupied)).toBe(true);
    await t.next(shows(0));
    writeVdsoByte(t.pid, 1, 0);
    expect(await helper.probe(t.pid)).toEqual({ ok: true });
    t.child.kill("SIGKILL");
  });

  it("on an architecture other than x86_64 every command is refused with the architecture named, nothing touched", async () => {
    const t = await printer();
    const original = readVdso(t.pid);
    const other = createTimeSkewHelper({ binary: unsupportedTimeSkewBinary });
    const reason = `unsupported architecture ${process.arch === "x64" ? "x86_64" : process.arch}`;
    expect(await other.probe(t.pid)).toEqual({ ok: false, reason });
    expect(await other.status([t.pid])).toEqual([{ pid: t.pid, state: "error", error: reason }]);
    expect(await other.set([t.pid], [entry("arch", REALTIME, 60)])).toEqual([{ pid: t.pid, state: "error", error: reason }]);
    expect(readVdso(t.pid).equals(original)).toBe(true);
    t.child.kill("SIGKILL");
  });

  it("a process without a vDSO (a kernel thread) is refused with the reason", async () => {
    expect(readFileSync("/proc/2/comm", "utf8").trim()).toBe("kthreadd");
    expect(await helper.probe(2)).toEqual({ ok: false, reason: expect.stringContaining("no [vdso] mapping") });
    expect((await helper.status([2]))[0]).toEqual({ pid: 2, state: "error", error: expect.stringContaining("no [vdso] mapping") });
  });
});

describe("faultline-time-skew's own deadline (--timeout-ms)", () => {
  it("a process it cannot stop in time (a vfork parent waiting in the kernel): error after the deadline, the process left as it was and running on", async () => {
    const t = await start(vforkParentBinary, []);
    const original = readVdso(t.pid);
    const short = createTimeSkewHelper({ binary, timeoutMs: 300 });
    const began = Date.now();
    const [state] = await short.set([t.pid], [entry("d", REALTIME, -3600)]);
    expect(Date.now() - began).toBeLessThan(1500); // well before the vfork child's 2 s are up
    expect(state).toEqual({ pid: t.pid, state: "error", error: expect.stringContaining("deadline passed while stopping thread") });
    const line = await t.next(() => true, 3000); // the parent's next round
    expect(near(num(line, "realtime") - num(line, "raw"), 0, 0.01)).toBe(true);
    expect(readVdso(t.pid).equals(original)).toBe(true);
    expect(await stateOf(t.pid)).toEqual({ pid: t.pid, state: "clean" });
    expect(procState(t.pid)).not.toMatch(/[tT]/);
    t.child.kill("SIGKILL");
  });
});

describe("faultline-time-skew refuses bad argv with exit 2, touching nothing", () => {
  const k = "0123456789abcdef0123456789abcdef";
  it.each([
    [[], "no command"],
    [["skew", "1"], "unknown command skew"],
    [["status"], "no pid given"],
    [["status", "0"], "pid 0"],
    [["status", "12ab"], "pid 12ab"],
    [["status", "4194305"], "pid 4194305"],
    [["status", "-5"], "unknown option -5"],
    [["status", "--entry", `${k}:1:1:0`, "PID"], "--entry is for set only"],
    [["status", "--stop-after-step", "1", "PID"], "--stop-after-step is for set only"],
    [["probe", "PID", "PID"], "probe takes exactly one pid"],
    [["set", "--entry"], "--entry needs a value"],
    [["set", "--entry", `${k.toUpperCase()}:1:1:0`, "PID"], "key must be 32 lowercase hex digits"],
    [["set", "--entry", `${k.slice(2)}:1:1:0`, "PID"], "key must be 32 lowercase hex digits"],
    [["set", "--entry", `${k}:1:1`, "PID"], "want <key32hex>:<mask>:<sec>:<nsec>"],
    [["set", "--entry", `${k}:1:1:0:0`, "PID"], "want <key32hex>:<mask>:<sec>:<nsec>"],
    [["set", "--entry", `${k}:0:1:0`, "PID"], "mask must be a non-zero integer"],
    [["set", "--entry", `${k}:65536:1:0`, "PID"], "mask must be a non-zero integer"],
    [["set", "--entry", `${k}:1:10000000001:0`, "PID"], "|sec| <= 10000000000"],
    [["set", "--entry", `${k}:1:+5:0`, "PID"], "|sec| <= 10000000000"],
    [["set", "--entry", `${k}:1:1.5:0`, "PID"], "|sec| <= 10000000000"],
    [["set", "--entry", `${k}:1:1:1000000000`, "PID"], "|nsec| < 1000000000"],
    [["set", "--entry", `${k}:1:1:-1000000000`, "PID"], "|nsec| < 1000000000"],
    [["set", "--entry", `${k}:1:1:0`, "--entry", `${k}:2:1:0`, "PID"], "key given twice"],
    [["set", ...Array.from({ length: 9 }, (_, i) => ["--entry", `${i.toString(16).padStart(32, "0")}:1:1:0`]).flat(), "PID"], "more than 8 entries"],
    [["set", "--timeout-ms", "0", "PID"], "--timeout-ms 0"],
    [["set", "--stop-after-step", "7", "PID"], "--stop-after-step 7"],
    [["set", "--bogus", "PID"], "unknown option --bogus"],
  ])("%j: %s", async (args, message) => {
    const t = await printer();
    const original = readVdso(t.pid);
    const run = await runRaw(args.map((a) => (a === "PID" ? String(t.pid) : a)));
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(message);
    expect(readVdso(t.pid).equals(original)).toBe(true);
    await t.next(shows(0));
    t.child.kill("SIGKILL");
  });

  it("the wrapper refuses the same bad entries before running anything", async () => {
    await expect(helper.set([1], [{ key: "A".repeat(32), mask: 1, sec: 0, nsec: 0 }])).rejects.toThrow("entries[0].key");
  });
});

describe("the helper SIGKILLed at each step: the target runs on, old or new behaviour, the next call repairs it", () => {
  /** Runs `set` with --stop-after-step, waits for the step, SIGKILLs the helper. */
  const killedAt = (pid: number, entries: TimeSkewEntry[], step: number) =>
    new Promise<void>((resolve, reject) => {
      const run = spawn(binary, timeSkewArgv({ command: "set", pids: [pid], entries, stopAfterStep: step }), { stdio: ["ignore", "ignore", "pipe"] });
      children.push(run);
      let err = "";
      const timer = setTimeout(() => {
        run.kill("SIGKILL");
        reject(new Error(`the helper never reached step ${step}: ${err}`));
      }, 5000);
      run.stderr!.on("data", (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes(`step ${step}\n`)) {
          clearTimeout(timer);
          run.kill("SIGKILL");
          run.on("exit", () => resolve());
        }
      });
    });
  const NEW = -3600;
  const e = [entry("kill", REALTIME, NEW)];
  /** After a kill: unstopped, printing, every interface either old (`from`) or new (`to`). */
  const runsOn = async (t: Target, from: number, to: number) => {
    await new Promise((r) => setTimeout(r, 50));
    expect(procState(t.pid)).not.toMatch(/[tT]/);
    const line = await t.next(() => true, 1000);
    for (const field of ["realtime", "gettimeofday"] as const) {
      expect(near(offset(line, field), from) || near(offset(line, field), to)).toBe(true);
    }
  };

  const setStates: [number, ProcessSkewState["state"]][] = [[1, "clean"], [2, "partial"], [3, "partial"], [4, "partial"], [5, "skewed"], [6, "skewed"]];
  it.each(setStates)("set killed after step %i: status %s, the next set makes it skewed", async (step, expected) => {
    const t = await printer();
    const original = readVdso(t.pid);
    await killedAt(t.pid, e, step);
    await runsOn(t, 0, NEW);
    expect((await stateOf(t.pid)).state).toBe(expected);
    expect(await helper.set([t.pid], e)).toEqual([{ pid: t.pid, state: "skewed", entries: e }]);
    await t.next(shows(NEW));
    await helper.set([t.pid], []);
    await t.next(shows(0));
    expect(readVdso(t.pid).equals(original)).toBe(true);
    t.child.kill("SIGKILL");
  });

  const restoreStates: [number, ProcessSkewState["state"]][] = [[1, "skewed"], [2, "partial"], [3, "partial"], [4, "partial"], [5, "clean"], [6, "clean"]];
  it.each(restoreStates)("restore killed after step %i: status %s, the next restore makes it clean, byte for byte", async (step, expected) => {
    const t = await printer();
    const original = readVdso(t.pid);
    await helper.set([t.pid], e);
    await t.next(shows(NEW));
    await killedAt(t.pid, [], step);
    await runsOn(t, NEW, 0);
    expect((await stateOf(t.pid)).state).toBe(expected);
    expect(await helper.set([t.pid], [])).toEqual([{ pid: t.pid, state: "clean" }]);
    await t.next(shows(0));
    expect(readVdso(t.pid).equals(original)).toBe(true);
    t.child.kill("SIGKILL");
  });

  it("killed while stopping a multi-threaded target (after step 1): every thread runs on, none left stopped", async () => {
    const t = await start(clockThreadsBinary, ["8"]);
    await killedAt(t.pid, e, 1);
    await new Promise((r) => setTimeout(r, 50));
    for (const tid of readdirSync(`/proc/${t.pid}/task`)) {
      expect(procState(Number(tid))).not.toMatch(/[tT]/);
    }
    const a = await t.next();
    const b = await t.next();
    const calls = (l: Line) => (l["threads"] as { calls: number }[]).map((th) => th.calls);
    calls(b).forEach((c, i) => expect(c).toBeGreaterThan(calls(a)[i]!));
    t.child.kill("SIGKILL");
  });
});
