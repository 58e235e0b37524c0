// faultline-time-skew on real processes of this machine (ptrace as root; nothing else started).
// Every claim is read from the target's own output: the test targets print what their clocks say
// and, beside it, the true time from a raw syscall (which the patch never reaches).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { clockPrinterBinary, clockThreadsBinary, ensureTimeSkewBinary, unsupportedTimeSkewBinary, vforkParentBinary } from "./time-skew-helper.test-support.js";
import { processIdentity } from "./time-chaos-daemon.js";
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
  // no wall-clock upper bound is asserted (a shared, noisy machine): a generous deadline only
  const next: Target["next"] = (ok = () => true, ms = 10_000, who = pid) =>
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
  return target.next(() => true, 10_000).then(() => target);
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
function writeVdsoBytes(pid: number, fromEnd: number, bytes: Buffer) {
  const [, hi] = vdsoRange(pid);
  const fd = openSync(`/proc/${pid}/mem`, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, hi - fromEnd);
  } finally {
    closeSync(fd);
  }
}
const writeVdsoByte = (pid: number, fromEnd: number, value: number) => writeVdsoBytes(pid, fromEnd, Buffer.from([value]));

/** The image's place (the last 1024 bytes of the mapping) and its layout (native/README.md). */
const IMAGE = 1024;
const TABLE = { at: 384, size: 256 };
/**
 * Restored: the vDSO's ELF content (everything before the image) byte for byte the original, and
 * the image inert — magic, 0 entries, a zero table, the fake code left in place (a thread or a
 * signal frame may still return into it; it then reads a zero table), nothing redirected (status clean).
 */
async function expectRestored(pid: number, original: Buffer): Promise<Buffer> {
  const now = readVdso(pid);
  expect(now.length).toBe(original.length);
  expect(now.subarray(0, now.length - IMAGE).equals(original.subarray(0, original.length - IMAGE))).toBe(true);
  expect(original.subarray(original.length - IMAGE).every((b) => b === 0)).toBe(true);
  const image = now.subarray(now.length - IMAGE);
  expect(image.subarray(0, 8).toString("latin1")).toBe("FLTSKEW1");
  expect(image.readUInt32LE(12)).toBe(0); // no entries
  expect(image.subarray(64, TABLE.at).every((b) => b === 0)).toBe(true); // no entry bytes left
  expect(image.subarray(TABLE.at, TABLE.at + TABLE.size).every((b) => b === 0)).toBe(true); // a zero table
  expect(image.subarray(TABLE.at + TABLE.size).some((b) => b !== 0)).toBe(true); // the code is still there
  expect(await stateOf(pid)).toEqual({ pid, state: "clean" });
  return image;
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
  it("shows the offset after set (the time logged), only on CLOCK_REALTIME when only its bit is set, and restores the original vDSO (its ELF byte for byte, the image left inert)", async () => {
    const t = await printer();
    const before = await t.next();
    const original = readVdso(t.pid);
    expect(shows(0)(before)).toBe(true);

    const set = Date.now();
    expect(await helper.set([t.pid], [entry("a", REALTIME, -3600)])).toEqual([{ pid: t.pid, state: "skewed", entries: [entry("a", REALTIME, -3600)] }]);
    const skewed = await t.next(shows(-3600));
    console.log(`skewed line ${Date.now() - set} ms after set began`); // measured, not asserted (a shared machine)
    expect(near(monoBase(skewed), monoBase(before))).toBe(true); // CLOCK_MONOTONIC untouched: its bit is not set
    expect(readVdso(t.pid).equals(original)).toBe(false);

    const restore = Date.now();
    expect(await helper.set([t.pid], [])).toEqual([{ pid: t.pid, state: "clean" }]);
    await t.next(shows(0));
    console.log(`restored line ${Date.now() - restore} ms after restore began`);
    await expectRestored(t.pid, original); // the ELF byte for byte, the image inert
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
    await expectRestored(t.pid, original);
    t.child.kill("SIGKILL");
  });

  it("a restore leaves the fake code in place, inert (never zeroed: a signal frame may return into it); a later set reuses the image, and a restore again leaves the same bytes", async () => {
    const t = await printer();
    const original = readVdso(t.pid);
    await helper.set([t.pid], [entry("i", REALTIME, 600)]);
    const skewedImage = readVdso(t.pid).subarray(original.length - IMAGE);
    await helper.set([t.pid], []);
    await t.next(shows(0));
    const inert = await expectRestored(t.pid, original);
    // the code bytes are those the skewed process ran
    expect(inert.subarray(TABLE.at + TABLE.size).equals(skewedImage.subarray(TABLE.at + TABLE.size))).toBe(true);
    expect(await helper.set([t.pid], [])).toEqual([{ pid: t.pid, state: "clean" }]); // already clean: nothing written
    expect(await helper.set([t.pid], [entry("i", REALTIME, -600)])).toEqual([{ pid: t.pid, state: "skewed", entries: [entry("i", REALTIME, -600)] }]);
    await t.next(shows(-600));
    await helper.set([t.pid], []);
    await t.next(shows(0));
    expect((await expectRestored(t.pid, original)).equals(inert)).toBe(true);
    t.child.kill("SIGKILL");
  });

  it("the daemon's process identity tells a fresh vDSO from one carrying the image (an exec with ASLR off keeps pid, start time and address)", async () => {
    const t = await printer();
    const fresh = await processIdentity("/proc", t.pid);
    expect(fresh).toMatch(new RegExp(`^${t.pid}:\\d+:[0-9a-f]+:fresh$`));
    await helper.set([t.pid], [entry("id", REALTIME, 5)]);
    const withImage = await processIdentity("/proc", t.pid);
    expect(withImage).toBe(fresh!.replace(/:fresh$/, ":image"));
    await helper.set([t.pid], []);
    expect(await processIdentity("/proc", t.pid)).toBe(withImage); // the inert image stays: the same identity
    t.child.kill("SIGKILL");
  });

  it("an image whose code is not this build's (one byte differs) is rewritten by a set with the same entries, not taken as already done", async () => {
    const t = await printer();
    const e = [entry("c", REALTIME, 60)];
    await helper.set([t.pid], e);
    const good = readVdso(t.pid);
    // the last byte of the fake code's block (alignment padding after the last ret: never executed)
    const codeEnd = IMAGE - (TABLE.at + 496) + 1;
    expect(good[good.length - codeEnd]).toBe(0);
    writeVdsoByte(t.pid, codeEnd, 0x90);
    expect(await stateOf(t.pid)).toEqual({ pid: t.pid, state: "skewed", entries: e });
    expect(await helper.set([t.pid], e)).toEqual([{ pid: t.pid, state: "skewed", entries: e }]);
    expect(readVdso(t.pid).equals(good)).toBe(true);
    await helper.set([t.pid], []);
    t.child.kill("SIGKILL");
  });

  it("negative offsets with nanoseconds are normalised (-1.5 s as sec -1, nsec -500000000)", async () => {
    const t = await printer();
    await helper.set([t.pid], [entry("n", REALTIME, -1, -500_000_000)]);
    // a line not within 10 ms of a second boundary, so time() and clock_gettime agree on the second
    const line = await t.next((l) => near(offset(l, "realtime"), -1.5, 0.005) && num(l, "realtime") % 1 > 0.01 && num(l, "realtime") % 1 < 0.99);
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
      const timer = setTimeout(() => reject(new Error("the forked child printed nothing")), 10_000);
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
    await t.next(shows(0), 10_000, first.pid);
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
    // its vfork child sleeps 5 s from just before the first line: the 300 ms deadline falls well
    // inside a stretch where the parent cannot be stopped (stoppable only as the child exits)
    const t = await start(vforkParentBinary, ["5"]);
    const original = readVdso(t.pid);
    const short = createTimeSkewHelper({ binary, timeoutMs: 300 });
    const began = Date.now();
    const [state] = await short.set([t.pid], [entry("d", REALTIME, -3600)]);
    console.log(`the helper gave up after ${Date.now() - began} ms (deadline 300 ms; the vfork child sleeps 5 s)`);
    expect(state).toEqual({ pid: t.pid, state: "error", error: expect.stringContaining("deadline passed while stopping thread") });
    const line = await t.next(() => true); // the parent's next round
    expect(near(num(line, "realtime") - num(line, "raw"), 0, 0.01)).toBe(true);
    expect(readVdso(t.pid).equals(original)).toBe(true);
    expect(await stateOf(t.pid)).toEqual({ pid: t.pid, state: "clean" });
    expect(procState(t.pid)).not.toMatch(/[tT]/);
    t.child.kill("SIGKILL");
  });

  it("the deadline is per process: one it cannot stop fails alone, the processes after it are still set", async () => {
    const stuck = await start(vforkParentBinary, ["5"]);
    const t = await printer();
    const short = createTimeSkewHelper({ binary, timeoutMs: 300 });
    const e = [entry("per-pid", REALTIME, -60)];
    const [first, second] = await short.set([stuck.pid, t.pid], e);
    expect(first).toEqual({ pid: stuck.pid, state: "error", error: expect.stringContaining("deadline passed while stopping thread") });
    expect(second).toEqual({ pid: t.pid, state: "skewed", entries: e });
    await t.next(shows(-60));
    await helper.set([t.pid], []);
    stuck.child.kill("SIGKILL");
    t.child.kill("SIGKILL");
  });
});

describe("faultline-time-skew refuses what it reads from a process that is not as it wrote it (a target can write its own vDSO)", () => {
  it("an image whose patch offset is not a redirected function's entry is refused by status and set, and nothing is written", async () => {
    const t = await printer();
    const vdso = readVdso(t.pid);
    // a forged image: magic, version 1, 0 entries, clock_gettime's slot pointing at the ELF header
    // (offset 0), with the header's own bytes as "original" so the slot looks consistent
    const forged = Buffer.alloc(64);
    forged.write("FLTSKEW1", 0, "latin1");
    forged.writeUInt32LE(1, 8);
    forged.writeUInt32LE(0, 12);
    for (let i = 0; i < 3; i++) {
      forged.writeUInt32LE(0, 16 + i * 16);
      vdso.copy(forged, 16 + i * 16 + 4, 0, 8);
    }
    writeVdsoBytes(t.pid, IMAGE, forged);
    const forgedVdso = readVdso(t.pid);
    expect(await stateOf(t.pid)).toEqual({ pid: t.pid, state: "error", error: expect.stringContaining("is not that function's entry: not our image, refused") });
    const [state] = await helper.set([t.pid], [entry("forged", REALTIME, 5)]);
    expect(state).toEqual({ pid: t.pid, state: "error", error: expect.stringContaining("not our image, refused") });
    expect(readVdso(t.pid).equals(forgedVdso)).toBe(true); // nothing followed, nothing written
    await t.next(shows(0));
    t.child.kill("SIGKILL");
  });

  it("a file mapped from a path containing [vdso] is not taken for the vDSO (the maps pathname must be exactly [vdso])", async () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-fake-vdso-"));
    try {
      // a process mapping an 8 KiB file named "[vdso]" (it comes before the real vDSO in its maps)
      const script = "import mmap,sys,time,json,os\nf=open(sys.argv[1],'wb+');f.write(b'\\0'*8192);f.flush()\nm=mmap.mmap(f.fileno(),8192)\nwhile True:\n print(json.dumps({'pid':os.getpid()}),flush=True);time.sleep(0.1)";
      const t = await start("python3", ["-c", script, join(dir, "[vdso]")]);
      const maps = readFileSync(`/proc/${t.pid}/maps`, "utf8").split("\n");
      const fileLine = maps.findIndex((l) => l.endsWith("/[vdso]"));
      expect(fileLine).toBeGreaterThanOrEqual(0);
      expect(fileLine).toBeLessThan(maps.findIndex((l) => l.endsWith(" [vdso]")));
      expect(await stateOf(t.pid)).toEqual({ pid: t.pid, state: "clean" });
      expect(await helper.probe(t.pid)).toEqual({ ok: true });
      t.child.kill("SIGKILL");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
      }, 10_000);
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
    const line = await t.next(() => true);
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
    await expectRestored(t.pid, original);
    t.child.kill("SIGKILL");
  });

  const restoreStates: [number, ProcessSkewState["state"]][] = [[1, "skewed"], [2, "partial"], [3, "partial"], [4, "partial"], [5, "clean"], [6, "clean"]];
  it.each(restoreStates)("restore killed after step %i: status %s, the next restore makes it clean (the ELF byte for byte, the image inert)", async (step, expected) => {
    const t = await printer();
    const original = readVdso(t.pid);
    await helper.set([t.pid], e);
    await t.next(shows(NEW));
    await killedAt(t.pid, [], step);
    await runsOn(t, NEW, 0);
    expect((await stateOf(t.pid)).state).toBe(expected);
    expect(await helper.set([t.pid], [])).toEqual([{ pid: t.pid, state: "clean" }]);
    await t.next(shows(0));
    await expectRestored(t.pid, original);
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
