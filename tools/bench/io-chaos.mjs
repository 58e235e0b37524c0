// Benchmark: IOChaos on one real container, through the built daemon on a unix socket (gRPC), in one run:
// 1. ExecIOChaos (EIO on read of /data/**) then RecoverIOChaos, `rounds` times: median and p90 of
//    each, wall time of the RPC (check, config, `faultline-iofs serve`, and the descriptor swap of the
//    container's processes onto the FUSE mount and back). The container (busybox) holds 3 descriptors
//    and its cwd under /data, a tmpfs mounted there; every round checks that they reached the FUSE
//    mount and came back, and the first that a read fails with EIO.
// 2. Throughput of a sequential writer/reader run in the container (io-chaos-rw.c, static, through
//    nsenter into its mount namespace; it times itself from open to close, a write with its fsync)
//    on that volume directly and through faultline-iofs with no fault active:
//    an ExecIOChaos whose path glob matches no file (the server still checks it on every operation),
//    and one matching every file at percent 0 (never fires, but matching files go around the page
//    cache: direct I/O). `size` MiB written and read with 1 MiB and 4 KiB blocks; `reps`
//    interleaved repetitions, medians, ratio mount/direct.
// Everything is undone on exit, on failure and on Ctrl-C too: the record recovered, the daemon
// stopped, the container removed.
//   node tools/bench/io-chaos.mjs [rounds=10] [size MiB=64] [reps=3]
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ChaosDaemon } from "@faultline/api";
import { CriPodFixture, defaultTestContainerdSocket } from "@faultline/test-ground";
import { waitForSocket } from "./daemon-socket.mjs";

const rounds = Number(process.argv[2] ?? 10);
const sizeMiB = Number(process.argv[3] ?? 64);
const reps = Number(process.argv[4] ?? 3);
const daemonMain = fileURLToPath(new URL("../../apps/daemon/dist/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "faultline-bench-io-"));
const grpcSocket = join(dir, "daemon.sock");
const containerdSocket = defaultTestContainerdSocket();
const pods = new CriPodFixture(containerdSocket);
const rwSource = fileURLToPath(new URL("./io-chaos-rw.c", import.meta.url));
const volume = "/data";
const recordKey = (n) => `5e1f0c3a-7b2d-4e6f-8a9b-0c1d2e3f4a5b/bench/io-${n}/main`;
const eioOnRead = { type: "fault", path: "/data/**", methods: ["read"], percent: 100, faults: [{ errno: 5, weight: 1 }] };
const noMatch = { type: "fault", path: "/data/no-such-file-*", methods: [], percent: 100, faults: [{ errno: 5, weight: 1 }] };
const neverFires = { type: "fault", path: "/data/**", methods: [], percent: 0, faults: [{ errno: 5, weight: 1 }] };

const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sorted(xs);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const p90 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.ceil(0.9 * xs.length) - 1)];

let daemon;
let client;
let target; // { containerId, pid }
let active; // the record in force, if any: what cleanup recovers
let inflight = Promise.resolve();
let interrupted = false;
// the FUSE mounts in the container when cleanup starts (certainly ours; fusectl's connection number
// is the mount's minor): aborted if their server hangs
const fuseConnections = new Set();

/** A daemon call, refused once interrupted; cleanup waits for the one in flight before recovering. */
function rpc(fn) {
  if (interrupted) return Promise.reject(new Error("interrupted"));
  const p = fn({ timeoutMs: 30_000 });
  inflight = p.then(
    () => undefined,
    () => undefined,
  );
  return p;
}
async function exec(n, action) {
  active = { containerId: target.containerId, volumePath: volume, recordKey: recordKey(n) };
  await rpc((o) => client.execIOChaos({ ...active, action: JSON.stringify(action) }, o));
}
async function recover() {
  await rpc((o) => client.recoverIOChaos(active, o));
  active = undefined;
}

/** A command's stdout/stderr; rejects with both on a non-zero exit. */
const run = (cmd, args) =>
  new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 1 << 20, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${cmd} ${args.join(" ")}: ${error.message} ${stderr}`)) : resolve({ stdout, stderr }))),
  );
const inContainer = (...args) => run("nsenter", ["-t", String(target.pid), "-m", "--", ...args]);

/** The mount on top at /data in the container: its id and fstype. */
function topMount() {
  const line = readFileSync(`/proc/${target.pid}/mountinfo`, "utf8")
    .split("\n")
    .filter((l) => l.split(" ")[4] === volume)
    .at(-1);
  if (line === undefined) throw new Error(`nothing mounted at ${volume} in the container`);
  return { id: Number(line.split(" ")[0]), dev: line.split(" ")[2], fstype: line.split(" - ")[1].split(" ")[0] };
}

/** The container's processes (its pid namespace) and, for each, its descriptors under /data (mount ids) and whether its cwd is there. */
function holders() {
  const nsLink = readlinkSync(`/proc/${target.pid}/ns/pid`);
  const out = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      if (readlinkSync(`/proc/${name}/ns/pid`) !== nsLink) continue;
      const fds = [];
      for (const fd of readdirSync(`/proc/${name}/fd`)) {
        const to = readlinkSync(`/proc/${name}/fd/${fd}`);
        if (to === volume || to.startsWith(`${volume}/`)) fds.push(Number(/^mnt_id:\s*(\d+)/m.exec(readFileSync(`/proc/${name}/fdinfo/${fd}`, "utf8"))[1]));
      }
      const cwd = readlinkSync(`/proc/${name}/cwd`);
      out.push({ pid: Number(name), fds, cwd: cwd === volume || cwd.startsWith(`${volume}/`) });
    } catch {
      // gone meanwhile (or a short-lived nsenter of ours)
    }
  }
  return out;
}

/** Every descriptor under /data is on the mount now at /data, and it is FUSE's (or not). */
function expectOn(fuse, when) {
  const top = topMount();
  if ((top.fstype === "fuse.faultline-iofs") !== fuse) throw new Error(`${when}: the mount at ${volume} is ${top.fstype}`);
  const stale = holders().flatMap((h) => h.fds.filter((m) => m !== top.id).map(() => h.pid));
  if (stale.length > 0) throw new Error(`${when}: descriptors of pids ${stale.join(",")} are not on the mount at ${volume} (id ${top.id})`);
}

/** One io-chaos-rw run in the container: MB/s (10^6 bytes) from its own bytes and nanoseconds (open to close). */
async function rw(args) {
  const { stdout } = await inContainer("/tmp/io-chaos-rw", ...args);
  const [bytes, ns] = stdout.trim().split(" ").map(Number);
  if (!(bytes === sizeMiB * 1048576 && ns > 0)) throw new Error(`io-chaos-rw ${args.join(" ")}: ${JSON.stringify(stdout)}`);
  return (bytes / 1e6) / (ns / 1e9);
}
const cases = [
  ["write 1 MiB", () => rw(["write", `${volume}/bench`, "1048576", String(sizeMiB)])],
  ["read  1 MiB", () => rw(["read", `${volume}/bench`, "1048576"])],
  ["write 4 KiB", () => rw(["write", `${volume}/bench`, "4096", String(sizeMiB * 256)])],
  ["read  4 KiB", () => rw(["read", `${volume}/bench`, "4096"])],
];
async function throughput(into) {
  for (const [label, fn] of cases) (into[label] ??= []).push(await fn());
  await inContainer("rm", "-f", `${volume}/bench`);
}

let cleaning;
/** Recover what is in force, stop the daemon, leave no FUSE server of ours, remove the container. Once. */
function cleanup() {
  cleaning ??= (async () => {
    interrupted = true;
    await inflight;
    try {
      for (const l of readFileSync(`/proc/${target.pid}/mountinfo`, "utf8").split("\n")) {
        if (l.includes(" - fuse.faultline-iofs ")) fuseConnections.add(Number(l.split(" ")[2].split(":")[1]));
      }
    } catch {
      // no container (yet, or any more)
    }
    if (active && client) {
      try {
        await client.recoverIOChaos(active, { timeoutMs: 20_000 });
      } catch (error) {
        console.error(`cleanup: RecoverIOChaos failed: ${error.message}`);
      }
    }
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon.once("exit", r));
      daemon.kill("SIGTERM");
      const timer = setTimeout(() => daemon.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    // a FUSE server the daemon started for our container (by its argv) still there: SIGTERM; one
    // that does not go (stuck answering nobody) has its FUSE connection aborted, so that nothing
    // waits on it and the container can be removed
    const ours = () =>
      target === undefined
        ? []
        : readdirSync("/proc")
            .filter((n) => /^\d+$/.test(n))
            .filter((n) => {
              try {
                const argv = readFileSync(`/proc/${n}/cmdline`, "utf8").split("\0");
                return argv[0].endsWith("faultline-iofs") && argv[1] === "serve" && argv[argv.indexOf("--pid") + 1] === String(target.pid);
              } catch {
                return false;
              }
            });
    if (ours().length > 0) {
      console.error(`cleanup: FUSE server(s) ${ours().join(",")} still there; SIGTERM`);
      for (const pid of ours()) {
        try {
          process.kill(Number(pid), "SIGTERM");
        } catch {
          // gone
        }
      }
      for (let i = 0; i < 30 && ours().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      for (const n of ours().length > 0 ? fuseConnections : []) {
        console.error(`cleanup: FUSE server(s) ${ours().join(",")} hang; aborting FUSE connection ${n}`);
        const d = "/sys/fs/fuse/connections";
        const script = `[ -d ${d}/${n} ] || mount -t fusectl none ${d} 2>/dev/null; [ ! -d ${d}/${n} ] || echo 1 > ${d}/${n}/abort`;
        await run("unshare", ["-m", "--propagation", "private", "sh", "-c", script]).catch((e) => console.error(`cleanup: ${e.message}`));
      }
    }
    try {
      await pods.removeAll();
    } catch (error) {
      console.error(`cleanup: ${error.message}`);
    }
    pods.close();
    rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    console.error(`\n${signal}: cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

try {
  // a busybox container holding 3 descriptors (2 read, 1 append) and its cwd under /data, a tmpfs
  // mounted there once it runs (as an emptyDir of medium Memory is)
  target = await pods.startContainer({
    name: "bench-io",
    command: ["sh", "-c", `while [ ! -e /tmp/go ]; do sleep 0.1; done; cd ${volume} && exec sleep 3600 3<${volume}/r1 4<${volume}/r2 5>>${volume}/w1`],
  });
  const root = `/proc/${target.pid}/root`;
  mkdirSync(`${root}${volume}`, { recursive: true });
  await inContainer("mount", "-t", "tmpfs", "-o", `size=${sizeMiB * 2 + 16}m`, "tmpfs", volume);
  writeFileSync(`${root}${volume}/r1`, "0123456789");
  writeFileSync(`${root}${volume}/r2`, "abcdefghij");
  mkdirSync(`${root}/tmp`, { recursive: true });
  await run("gcc", ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-static", "-o", `${root}/tmp/io-chaos-rw`, rwSource]);
  writeFileSync(`${root}/tmp/go`, "");
  for (let i = 0; holders().reduce((n, h) => n + h.fds.length, 0) < 3; i++) {
    if (i > 100) throw new Error("the container did not open its files under /data");
    await new Promise((r) => setTimeout(r, 50));
  }
  const held = holders();

  daemon = spawn(
    process.execPath,
    [daemonMain, "--grpc-socket", grpcSocket, "--http-host", "127.0.0.1", "--http-port", "0", "--containerd-socket", containerdSocket, "--log-level", "warn"],
    // its own process group: a Ctrl-C reaches only us, and we still recover through it
    { stdio: ["ignore", "ignore", "inherit"], detached: true, env: { ...process.env, FAULTLINE_IO_STATE_DIR: join(dir, "state") } },
  );
  await waitForSocket(grpcSocket);
  client = createClient(ChaosDaemon, createGrpcTransport({ baseUrl: "http://localhost", nodeOptions: { createConnection: () => net.connect(grpcSocket) } }));

  // 1. inject / recover
  const injectMs = [];
  const recoverMs = [];
  for (let i = 0; i <= rounds; i++) {
    let t0 = performance.now();
    await exec(i, eioOnRead);
    const inj = performance.now() - t0;
    expectOn(true, `round ${i} injected`);
    if (i === 0) {
      const r = await inContainer("cat", `${volume}/r1`).then(
        () => "read",
        (e) => e.message,
      );
      if (!/Input\/output error/.test(r)) throw new Error(`injected, but cat ${volume}/r1 did not fail with EIO: ${r}`);
    }
    t0 = performance.now();
    await recover();
    const rec = performance.now() - t0;
    expectOn(false, `round ${i} recovered`);
    if (i === 0) continue; // warm-up
    injectMs.push(inj);
    recoverMs.push(rec);
  }

  // 2. throughput: direct, then through the mount with no fault active, interleaved
  const direct = {};
  const globNoMatch = {};
  const percentZero = {};
  let n = rounds + 1;
  for (let r = 0; r < reps; r++) {
    await throughput(direct);
    await exec(n++, noMatch);
    await throughput(globNoMatch);
    await recover();
    await exec(n++, neverFires);
    await throughput(percentZero);
    await recover();
  }
  expectOn(false, "after the throughput runs");

  const procs = held.length;
  const fds = held.reduce((s, h) => s + h.fds.length, 0);
  const cwds = held.filter((h) => h.cwd).length;
  console.log(`IOChaos on one busybox container (tmpfs at ${volume}; ${procs} process(es), ${fds} open fds and ${cwds} cwd under ${volume}, swapped both ways), built daemon over gRPC`);
  console.log(`  ${rounds} rounds after 1 warm-up:     median      p90`);
  console.log(`  ExecIOChaos (EIO on read)     ${median(injectMs).toFixed(1).padStart(7)} ms ${p90(injectMs).toFixed(1).padStart(7)} ms`);
  console.log(`  RecoverIOChaos                ${median(recoverMs).toFixed(1).padStart(7)} ms ${p90(recoverMs).toFixed(1).padStart(7)} ms`);
  console.log(`throughput, io-chaos-rw in the container, ${sizeMiB} MiB sequential, MB/s (median of ${reps}, interleaved); ratio = through the mount / direct`);
  console.log(`                 direct   glob matching nothing  ratio   /data/** at percent 0  ratio`);
  for (const [label] of cases) {
    const d = median(direct[label]);
    const g = median(globNoMatch[label]);
    const z = median(percentZero[label]);
    console.log(`  ${label}  ${d.toFixed(0).padStart(8)}   ${g.toFixed(0).padStart(20)}  ${(g / d).toFixed(3)}   ${z.toFixed(0).padStart(20)}  ${(z / d).toFixed(3)}`);
  }
  console.log("  (glob matching nothing: files go through the page cache, each open drops it; percent 0 matching every file: direct I/O, every read and write reaches the server)");
} catch (error) {
  process.exitCode = 1;
  console.error(error);
} finally {
  await cleanup();
}
