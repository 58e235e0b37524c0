// Benchmark: TimeChaos's native helper (libs/chaos/time/native, faultline-time-skew) on processes
// of this machine, in one run:
//   clock cost: ns per clock_gettime(CLOCK_REALTIME) call in a target (its own loop of 200000
//     calls, median of `samples` loops) before, during and after injection
//   set / restore: wall time of one helper `set` (inject) and `set` with no entry (restore), median
//     of `runs`, on one container's worth of processes as the daemon does it (one helper run with
//     every pid of the container's cgroup, no batching; --timeout-ms 5000, the wrapper's default):
//       threads:   one process (clock-threads) with 1, 10 and 100 threads, each calling the clock every 1 ms
//       processes: 1, 10 and 100 separate processes (clock-printer, one thread each, reading every
//                  clock interface every 100 ms), all their pids in the one helper run
//   Every set is checked (each pid `skewed` with the entry, each restore `clean`); every target
//   process is killed at the end, on failure too.
//   node tools/bench/time-skew.mjs [samples=5] [runs=5]
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const native = fileURLToPath(new URL("../../libs/chaos/time/native/build/", import.meta.url));
const helper = `${native}faultline-time-skew`;
const samples = Number(process.argv[2] ?? 5);
const runs = Number(process.argv[3] ?? 5);
const key = "0123456789abcdef0123456789abcdef";
const entry = ["--entry", `${key}:1:-3600:0`];
const timeout = ["--timeout-ms", "5000"];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One helper `set` on `pids` (with `entry`, or none = restore): its wall time in ms, every pid checked to be `want`. */
const set = (entryArgs, pids, want) =>
  new Promise((resolve, reject) => {
    const args = ["set", ...timeout, ...entryArgs, ...pids.map(String)];
    const t0 = process.hrtime.bigint();
    execFile(helper, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (error) return reject(new Error(`set on ${pids.length} pids: ${error.message} ${stdout} ${stderr}`));
      const states = stdout.trim().split("\n").map((l) => JSON.parse(l));
      const wrong = states.filter((s) => s.state !== want || (want === "skewed" && (s.entries.length !== 1 || s.entries[0].key !== key)));
      if (states.length !== pids.length || wrong.length > 0) {
        return reject(new Error(`set on ${pids.length} pids: want every one ${want}, got ${states.length} lines, e.g. ${JSON.stringify(wrong[0] ?? states[0])}`));
      }
      resolve(ms);
    });
  });

/** Every target started, killed in `finally` and on exit/interrupt (a failure leaves none behind). */
const children = new Set();
const killAll = () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  children.clear();
};
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));

/** A target and its next `n` JSON lines (lines are read all along, so its pipe never fills). */
function start(binary, args) {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  const queue = [];
  let wake;
  let exited;
  const died = new Promise((_, reject) => (exited = reject));
  died.catch(() => undefined);
  child.on("exit", (code, signal) => exited(new Error(`${binary} exited (${code ?? signal}) before printing`)));
  child.on("error", (error) => exited(error));
  createInterface({ input: child.stdout }).on("line", (l) => {
    queue.push(JSON.parse(l));
    wake?.();
  });
  const lines = async (n) => {
    queue.length = 0;
    while (queue.length < n) await Promise.race([new Promise((r) => (wake = r)), died]);
    return queue.splice(0, n);
  };
  return { child, lines };
}

/** Median set and restore ms over `runs` on these pids. */
async function setRestore(pids) {
  const setMs = [];
  const restoreMs = [];
  for (let i = 0; i < runs; i++) {
    setMs.push(await set(entry, pids, "skewed"));
    restoreMs.push(await set([], pids, "clean"));
  }
  return { set: median(setMs), restore: median(restoreMs) };
}

const rows = [];
try {
  const printer = start(`${native}clock-printer`, ["--cost"]);
  await printer.lines(1);
  const cost = async () => median((await printer.lines(samples)).map((l) => l.cost_ns));
  const before = await cost();
  await set(entry, [printer.child.pid], "skewed");
  const during = await cost();
  await set([], [printer.child.pid], "clean");
  const after = await cost();
  killAll();
  console.log(`clock_gettime(CLOCK_REALTIME) ns/call: before ${before.toFixed(1)}, during ${during.toFixed(1)}, after ${after.toFixed(1)} (median of ${samples} loops of 200000 calls)`);

  for (const threads of [1, 10, 100]) {
    const target = start(`${native}clock-threads`, [String(threads), "idle"]);
    await target.lines(1);
    rows.push({ what: `${threads} thread${threads === 1 ? "" : "s"}, 1 process`, processes: 1, ...(await setRestore([target.child.pid])) });
    killAll();
  }

  for (const count of [1, 10, 100]) {
    const targets = Array.from({ length: count }, () => start(`${native}clock-printer`, []));
    await Promise.all(targets.map((t) => t.lines(1))); // each one running and past its first clock read
    rows.push({ what: `${count} process${count === 1 ? "" : "es"}, 1 thread each`, processes: count, ...(await setRestore(targets.map((t) => t.child.pid))) });
    killAll();
  }
} finally {
  killAll();
}

const fmt = (ms) => ms.toFixed(2).padStart(10);
console.log(`one helper run per set/restore with every pid (as the daemon does for one container), median of ${runs}:`);
console.log(`${"target".padEnd(28)}${"set ms".padStart(10)}${"restore ms".padStart(12)}  ${"set ms/process".padStart(14)}${"restore ms/process".padStart(20)}`);
for (const r of rows) {
  console.log(`${r.what.padEnd(28)}${fmt(r.set)}${fmt(r.restore).padStart(12)}  ${fmt(r.set / r.processes).padStart(14)}${fmt(r.restore / r.processes).padStart(20)}`);
}
