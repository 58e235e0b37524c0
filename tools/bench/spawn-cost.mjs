// Benchmark: what starting one short process costs the daemon, by who starts it and how large the
// starter is. Node's child_process forks the starter (libuv's plain fork()), so its cost grows with
// the starter's resident memory; faultline-spawn (@faultline/daemon-server's SpawnHelper) forks a
// process of under 1 MB whatever the daemon's size. Interleaved, `/bin/true` each time, at the
// process's own size and again holding an extra 512 MiB. Prints medians and ratios.
//   node tools/bench/spawn-cost.mjs [runs=60]
import { nodeProcessSpawner, SpawnHelper } from "@faultline/daemon-server";

const runs = Number(process.argv[2] ?? 60);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const helper = new SpawnHelper();
const request = { file: "true", args: [], timeoutMs: 10_000, maxOutputBytes: 1 << 20 };
const spawners = { "node child_process": nodeProcessSpawner, "faultline-spawn": helper };

async function measure() {
  const times = Object.fromEntries(Object.keys(spawners).map((k) => [k, []]));
  for (let i = 0; i < 5 + runs; i++) {
    const order = i % 2 ? Object.keys(spawners) : Object.keys(spawners).reverse();
    for (const name of order) {
      const t0 = performance.now();
      const outcome = await spawners[name].spawn(request);
      if (outcome.kind !== "exited" || outcome.code !== 0) throw new Error(`${name}: ${outcome.kind}`);
      if (i >= 5) times[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

try {
  const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);
  const report = (label, m) => {
    const [node, helperMs] = [m["node child_process"], m["faultline-spawn"]];
    console.log(`${label} (rss ${rssMiB()} MiB): node child_process ${node.toFixed(2)} ms, faultline-spawn ${helperMs.toFixed(2)} ms, ratio ${(node / helperMs).toFixed(2)}×`);
  };
  console.log(`runs: ${runs} each, interleaved, /bin/true, after 5 warm-up rounds`);
  report("starter at its own size", await measure());
  const ballast = Array.from({ length: 64 }, () => Buffer.alloc(8 << 20, 1)); // touched: resident
  report("starter holding 512 MiB more", await measure());
  if (ballast.length !== 64) throw new Error("unreachable: keeps the ballast alive");
} finally {
  await helper.close();
}
