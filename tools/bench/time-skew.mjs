// Benchmark: TimeChaos's native helper (libs/chaos/time/native, faultline-time-skew) on processes
// of this machine, in one run:
//   clock cost: ns per clock_gettime(CLOCK_REALTIME) call in a target (its own loop of 200000
//     calls, median of `samples` loops) before, during and after injection
//   set / restore: wall time of one helper `set` (inject) and `set` with no entry (restore) on a
//     process with 1, 10 and 100 threads (each calling the clock every 1 ms), median of `runs`
//   node tools/bench/time-skew.mjs [samples=5] [runs=5]
import { execFile, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const native = fileURLToPath(new URL("../../libs/chaos/time/native/build/", import.meta.url));
const helper = `${native}faultline-time-skew`;
const samples = Number(process.argv[2] ?? 5);
const runs = Number(process.argv[3] ?? 5);
const entry = ["--entry", "0123456789abcdef0123456789abcdef:1:-3600:0"];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const run = (args) =>
  new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    execFile(helper, args, (error, stdout) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (error) return reject(new Error(`${args.join(" ")}: ${error.message} ${stdout}`));
      resolve(ms);
    });
  });

/** A target and its next `n` JSON lines. */
function start(binary, args) {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "inherit"] });
  const queue = [];
  let wake;
  createInterface({ input: child.stdout }).on("line", (l) => {
    queue.push(JSON.parse(l));
    wake?.();
  });
  const lines = async (n) => {
    queue.length = 0;
    while (queue.length < n) await new Promise((r) => (wake = r));
    return queue.splice(0, n);
  };
  return { child, lines };
}

const printer = start(`${native}clock-printer`, ["--cost"]);
await printer.lines(1);
const cost = async () => median((await printer.lines(samples)).map((l) => l.cost_ns));
const before = await cost();
await run(["set", ...entry, String(printer.child.pid)]);
const during = await cost();
await run(["set", String(printer.child.pid)]);
const after = await cost();
printer.child.kill("SIGKILL");
console.log(`clock_gettime(CLOCK_REALTIME) ns/call: before ${before.toFixed(1)}, during ${during.toFixed(1)}, after ${after.toFixed(1)}`);

for (const threads of [1, 10, 100]) {
  const target = start(`${native}clock-threads`, [String(threads), "idle"]);
  await target.lines(1);
  const set = [];
  const restore = [];
  for (let i = 0; i < runs; i++) {
    set.push(await run(["set", ...entry, String(target.child.pid)]));
    restore.push(await run(["set", String(target.child.pid)]));
  }
  target.child.kill("SIGKILL");
  console.log(`${String(threads).padStart(3)} threads: set ${median(set).toFixed(1)} ms, restore ${median(restore).toFixed(1)} ms (median of ${runs})`);
}
