// faultline-iofs on real FUSE (root; no cluster): each test makes a throw-away mount namespace
// (`unshare --mount --propagation private`) with a tmpfs at <tmp>/data, whose long-running process
// (`sleep`) plays the container; the server is pointed at its pid, and the volume is read through that
// namespace: `nsenter --mount=/proc/<pid>/ns/mnt` for commands, /proc/<pid>/root/... from this process.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, copyFileSync, existsSync, symlinkSync, mkdirSync, mkdtempSync, rmdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync, chmodSync, chownSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureIofsBinary } from "./iofs-helper.test-support.js";
import { createIofsHelper, iofsArgv, parseIofsServeOutput, writeIofsConfig, type IofsAction, type IofsServer } from "./iofs-helper.js";

const binary = ensureIofsBinary();
const helper = createIofsHelper({ binary });
const key = "0123456789abcdef0123456789abcdef";

interface Container {
  pid: number;
  child: ChildProcess;
  /** The directory (same path in both namespaces); the volume is `${dir}/data`, a tmpfs only the container sees. */
  dir: string;
  volume: string;
  /** A path in the container, reached from this process through /proc/<pid>/root. */
  at(path: string): string;
  config: string;
}
const containers: Container[] = [];
const servers: IofsServer[] = [];
const cgroupDirs: string[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false; // reaped between the signal check and the read
  }
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
}

afterEach(() => {
  for (const s of servers.splice(0)) {
    for (const pid of [s.pid, s.watchdog]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
  }
  for (const c of containers.splice(0)) {
    c.child.kill("SIGKILL");
    rmSync(c.dir, { recursive: true, force: true });
  }
});
afterEach(async () => {
  for (const dir of cgroupDirs.splice(0)) {
    const procs = join(dir, "cgroup.procs");
    const end = Date.now() + 10_000;
    while (existsSync(procs) && readFileSync(procs, "utf8").trim() !== "" && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    rmdirSync(dir);
  }
});

/**
 * A new cgroup, under this process's own, in each hierarchy that has a pids or memory controller (v1
 * hybrid: /sys/fs/cgroup/pids/…, /sys/fs/cgroup/memory/…) or in the v2 one: its cgroup.procs files.
 */
function makeCgroup(name: string): { procs: string[]; names: string[] } {
  const own = new Map(
    readFileSync("/proc/self/cgroup", "utf8").trim().split("\n").map((l) => {
      const [, controllers, path] = l.split(":");
      return [controllers!, path!] as const;
    }),
  );
  const roots: Array<[string, string]> = existsSync("/sys/fs/cgroup/cgroup.controllers")
    ? [["/sys/fs/cgroup", own.get("")!]]
    : (["pids", "memory"] as const).filter((h) => own.has(h) && existsSync(`/sys/fs/cgroup/${h}/cgroup.procs`)).map((h) => [`/sys/fs/cgroup/${h}`, own.get(h)!]);
  if (roots.length === 0) throw new Error("no cgroup hierarchy to make a test cgroup in");
  const names: string[] = [];
  const procs = roots.map(([root, path]) => {
    const rel = join(path, name);
    const dir = join(root, rel);
    mkdirSync(dir);
    cgroupDirs.unshift(dir);
    names.push(rel);
    return join(dir, "cgroup.procs");
  });
  return { procs, names };
}
const cgroupsOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, "utf8");

// The container has its own pid namespace and its own /proc (as a real one has): the server, in the
// host's pid namespace, is not visible there, so it must never rely on the container's /proc/self.
// `options`: the tmpfs's mount options; `then`: a command after mounting (e.g. --make-shared).
async function container(options = "mode=1777", then = (_volume: string) => "true"): Promise<Container> {
  const dir = mkdtempSync(join(tmpdir(), "iofs-"));
  chmodSync(dir, 0o755); // other users reach the volume (the permission test)
  const volume = join(dir, "data");
  const script = `mkdir -p ${volume} && mount -t tmpfs -o ${options} tmpfs ${volume} && ${then(volume)} && echo ready && exec sleep 100000`;
  const child = spawn("unshare", ["--mount", "--propagation", "private", "--pid", "--fork", "--kill-child", "--mount-proc", "--", "sh", "-c", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the container exited ${code}`)));
    child.stdout!.once("data", () => resolve());
  });
  // the container's pid 1 (sh, then sleep), as the host sees it
  const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8").trim().split(" ")[0]);
  const c: Container = { pid, child, dir, volume, at: (path) => `/proc/${pid}/root${path}`, config: join(dir, "config") };
  containers.push(c);
  writeFileSync(c.config, "");
  return c;
}

async function serve(c: Container, actions: IofsAction[], log?: string): Promise<IofsServer> {
  writeIofsConfig(c.config, actions);
  const server = await helper.serve({ pid: c.pid, volume: c.volume, configFile: c.config, key, log });
  servers.push(server);
  return server;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** A command in the container's mount namespace (optionally as another user). */
function inside(c: Container, args: string[], user?: number): Promise<Run> {
  const as = user === undefined ? [] : ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", "--"];
  return new Promise((resolve) => {
    execFile("nsenter", [`--mount=/proc/${c.pid}/ns/mnt`, "--", ...as, ...args], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (error as { code?: unknown }).code : 0;
      resolve({ code: typeof code === "number" ? code : -1, stdout, stderr });
    });
  });
}

/** The top mount's per-mount options at `path` in the container (mountinfo's 6th field: rw,nosuid,…). */
function mountOptionsAt(c: Container, path: string): string[] {
  let options: string[] = [];
  for (const line of readFileSync(`/proc/${c.pid}/mountinfo`, "utf8").split("\n")) {
    const fields = line.split(" ");
    if (fields[4] === path) options = fields[5]!.split(",");
  }
  return options;
}

/** The top mount's fstype at `path` in the container. */
function fstypeAt(c: Container, path: string): string | undefined {
  let fstype: string | undefined;
  for (const line of readFileSync(`/proc/${c.pid}/mountinfo`, "utf8").split("\n")) {
    const fields = line.split(" ");
    if (fields[4] === path) fstype = line.split(" - ")[1]!.split(" ")[0];
  }
  return fstype;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One read(2) of up to `size` bytes at offset 0: exactly one FUSE read (direct_io). */
function readOnce(path: string, size = 65536): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(size);
    const n = readSync(fd, buf, 0, size, 0);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const errorCode = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code;
  }
};

const digestTree = (root: string) =>
  Object.fromEntries(
    readdirSync(root, { recursive: true, encoding: "utf8" })
      .sort()
      .map((name) => {
        const path = join(root, name);
        const st = statSync(path);
        return [name, st.isFile() ? createHash("sha256").update(readFileSync(path)).digest("hex") + ` ${st.mode} ${st.uid}` : `dir ${st.mode}`];
      }),
  );

describe("faultline-iofs check", () => {
  it("accepts a mount point, refuses a path that is not one, does not exist, or is /; serve then mounts nothing", async () => {
    const c = await container();
    expect(await helper.check(c.pid, c.volume)).toEqual({ ok: true, faulted: false, path: c.volume });
    expect(await helper.check(c.pid, c.dir)).toEqual({ ok: false, reason: `volume ${c.dir} is not a mount point in the container` });
    expect(await helper.check(c.pid, `${c.volume}/nope`)).toEqual({ ok: false, reason: expect.stringContaining(`volume ${c.volume}/nope does not exist`) });
    expect(await helper.check(c.pid, "/")).toEqual({ ok: false, reason: "volume / is the container's root /" });
    const before = readFileSync(`/proc/${c.pid}/mountinfo`, "utf8");
    for (const volume of [c.dir, `${c.volume}/nope`, "/"]) {
      await expect(helper.serve({ pid: c.pid, volume, configFile: c.config, key })).rejects.toThrow(/faultline-iofs serve refused: volume .* (not a mount point|does not exist|root)/);
    }
    expect(readFileSync(`/proc/${c.pid}/mountinfo`, "utf8")).toBe(before);
    // a bad config is refused before anything too
    writeFileSync(c.config, "kind=fault\tpercent=100\n");
    await expect(helper.serve({ pid: c.pid, volume: c.volume, configFile: c.config, key })).rejects.toThrow("config: line 1: errno: missing (kind=fault)");
    expect(readFileSync(`/proc/${c.pid}/mountinfo`, "utf8")).toBe(before);
    // once served: faulted, and a second server on the same volume is refused
    await serve(c, []);
    expect(await helper.check(c.pid, c.volume)).toEqual({ ok: true, faulted: true, path: c.volume });
    await expect(helper.serve({ pid: c.pid, volume: c.volume, configFile: c.config, key })).rejects.toThrow("already has a faultline-iofs mount");
  });
});

describe("faultline-iofs serve: the injectors", () => {
  it("latency of 100 ms on read shows in a reader's timing, only for files matching path and only for the methods listed", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/slow.txt`), "slow");
    writeFileSync(c.at(`${c.volume}/fast.txt`), "fast");
    await serve(c, [{ kind: "latency", path: `${c.volume}/slow*`, methods: ["read"], percent: 100, delayNs: 100_000_000 }]);
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      expect(readOnce(c.at(`${c.volume}/slow.txt`)).toString()).toBe("slow");
      expect(performance.now() - start).toBeGreaterThanOrEqual(100);
    }
    // with 1.5 s on read, a read of slow.txt is still pending while the non-matching file is read and
    // slow.txt's own stat (not a listed method) is answered: order, not wall-clock bounds
    writeIofsConfig(c.config, [{ kind: "latency", path: `${c.volume}/slow*`, methods: ["read"], percent: 100, delayNs: 1_500_000_000 }]);
    helper.reload(servers[0]!.pid);
    await new Promise((r) => setTimeout(r, 100));
    const order: string[] = [];
    const slow = inside(c, ["cat", `${c.volume}/slow.txt`]).then((r) => order.push(`slow:${r.stdout}`));
    await new Promise((r) => setTimeout(r, 200));
    const fast = await inside(c, ["cat", `${c.volume}/fast.txt`]);
    order.push(`fast:${fast.stdout}`);
    const stat = await inside(c, ["stat", "-c", "%s", `${c.volume}/slow.txt`]);
    order.push(`stat:${stat.stdout.trim()}`);
    await slow;
    expect(order).toEqual(["fast:fast", "stat:4", "slow:slow"]);
  }, 20_000);

  it("fault errno 5 makes cat fail with EIO; at percent 50, at about half of 400 tries", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "data");
    writeFileSync(c.at(`${c.volume}/empty`), "");
    writeFileSync(c.at(`${c.volume}/other`), "other");
    await serve(c, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 5 }]);
    const cat = await inside(c, ["cat", `${c.volume}/f`]);
    expect(cat.code).toBe(1);
    expect(cat.stderr).toContain("Input/output error");
    expect(await inside(c, ["cat", `${c.volume}/other`])).toMatchObject({ code: 0, stdout: "other" });
    expect(await inside(c, ["stat", "-c", "%s", `${c.volume}/f`])).toMatchObject({ code: 0, stdout: "4\n" }); // only read is faulted

    // an empty file: cat makes exactly one read (the one that returns 0), one draw per try
    writeIofsConfig(c.config, [{ kind: "fault", path: `${c.volume}/empty`, methods: ["read"], percent: 50, errno: 5 }]);
    helper.reload(servers[0]!.pid);
    await new Promise((r) => setTimeout(r, 100));
    const loop = await inside(c, ["sh", "-c", `n=0; for i in $(seq 400); do cat ${c.volume}/empty 2>/dev/null || n=$((n+1)); done; echo $n`]);
    const failed = Number(loop.stdout.trim());
    // binomial(400, 0.5): mean 200, sd 10; ±6 sd
    expect(failed).toBeGreaterThanOrEqual(140);
    expect(failed).toBeLessThanOrEqual(260);
  }, 60_000);

  it("attrOverride changes what stat reports for matching files only", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/a`), "abc");
    writeFileSync(c.at(`${c.volume}/b`), "abc");
    await serve(c, [{ kind: "attrOverride", path: `${c.volume}/a`, percent: 100, attr: { perm: 0o600, size: 12345, uid: 1234, gid: 4321, nlink: 7, mtimeSec: 1_000_000_000, mtimeNsec: 0 } }]);
    const fmt = ["stat", "-c", "%a %s %u %g %h %Y"];
    expect((await inside(c, [...fmt, `${c.volume}/a`])).stdout).toBe("600 12345 1234 4321 7 1000000000\n");
    const b = (await inside(c, [...fmt, `${c.volume}/b`])).stdout.split(" ");
    expect(b.slice(0, 5)).toEqual(["644", "3", "0", "0", "1"]);
    writeIofsConfig(c.config, [{ kind: "attrOverride", path: `${c.volume}/a`, percent: 100, attr: { kind: "directory", ino: 424242 } }]);
    helper.reload(servers[0]!.pid);
    await new Promise((r) => setTimeout(r, 100));
    expect((await inside(c, ["stat", "-c", "%F %i", `${c.volume}/a`])).stdout).toBe("directory 424242\n");
  });

  it("mistake corrupts what is read, within maxOccurrences separate runs of at most maxLength bytes", async () => {
    const c = await container();
    const original = Buffer.alloc(65536, 0x41);
    writeFileSync(c.at(`${c.volume}/m`), original);
    await serve(c, [{ kind: "mistake", path: `${c.volume}/m`, methods: ["read"], percent: 100, filling: "zero", maxOccurrences: 3, maxLength: 10 }]);
    const runs = (got: Buffer) => {
      const out: number[] = [];
      for (let i = 0; i < got.length; i++) {
        if (got[i] === original[i]) continue;
        let j = i;
        while (j < got.length && got[j] !== original[j]) j++;
        out.push(j - i);
        i = j;
      }
      return out;
    };
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const got = readOnce(c.at(`${c.volume}/m`));
      expect(got.length).toBe(65536);
      const r = runs(got);
      expect(r.length).toBeGreaterThanOrEqual(1); // percent 100: every read is corrupted
      expect(r.length).toBeLessThanOrEqual(3);
      for (const len of r) expect(len).toBeLessThanOrEqual(10);
      for (let k = 0; k < got.length; k++) if (got[k] !== 0x41) expect(got[k]).toBe(0);
      seen.add(r.length);
    }
    expect(seen.size).toBeGreaterThan(1); // the number of segments varies (1..3)
    // random filling: at most 3 × 10 bytes differ; the original is untouched
    writeIofsConfig(c.config, [{ kind: "mistake", path: `${c.volume}/m`, methods: ["read"], percent: 100, filling: "random", maxOccurrences: 3, maxLength: 10 }]);
    helper.reload(servers[0]!.pid);
    await new Promise((r) => setTimeout(r, 100));
    let changed = 0;
    for (let i = 0; i < 20; i++) {
      const got = readOnce(c.at(`${c.volume}/m`));
      const differ = got.reduce((n, byte, k) => n + (byte !== original[k] ? 1 : 0), 0);
      expect(differ).toBeLessThanOrEqual(30);
      changed += differ;
    }
    expect(changed).toBeGreaterThan(0);
    helper.stop(servers[0]!.pid);
    await until("the volume is the tmpfs again", () => fstypeAt(c, c.volume) === "tmpfs");
    expect(readFileSync(c.at(`${c.volume}/m`)).equals(original)).toBe(true);
  });

  it("mistake on write corrupts what reaches the volume, within the bounds", async () => {
    const c = await container();
    await serve(c, [{ kind: "mistake", path: `${c.volume}/w`, methods: ["write"], percent: 100, filling: "zero", maxOccurrences: 2, maxLength: 5 }]);
    const data = Buffer.alloc(4096, 0x42);
    writeFileSync(c.at(`${c.volume}/w`), data);
    helper.stop(servers[0]!.pid);
    await until("the volume is the tmpfs again", () => fstypeAt(c, c.volume) === "tmpfs");
    const stored = readFileSync(c.at(`${c.volume}/w`));
    const zeros = stored.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
    expect(stored.length).toBe(4096);
    expect(zeros).toBeGreaterThanOrEqual(1);
    expect(zeros).toBeLessThanOrEqual(10);
  });

  it("SIGHUP re-reads the config: a new errno takes over; a bad config keeps the one in force", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "data");
    const log = join(c.dir, "log");
    const server = await serve(c, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 5 }], log);
    expect(errorCode(() => readOnce(c.at(`${c.volume}/f`)))).toBe("EIO");
    writeIofsConfig(c.config, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 28 }]);
    helper.reload(server.pid);
    await until("ENOSPC", () => errorCode(() => readOnce(c.at(`${c.volume}/f`))) === "ENOSPC");
    writeFileSync(c.config, "kind=fault\tpercent=100\terrno=0\n");
    helper.reload(server.pid);
    await until("the log says so", () => readFileSync(log, "utf8").includes("errno: want an integer in 1..4095"));
    expect(errorCode(() => readOnce(c.at(`${c.volume}/f`)))).toBe("ENOSPC");
    writeIofsConfig(c.config, []);
    helper.reload(server.pid);
    await until("no fault", () => errorCode(() => readOnce(c.at(`${c.volume}/f`))) === undefined);
    expect(readOnce(c.at(`${c.volume}/f`)).toString()).toBe("data");
  });
});

describe("faultline-iofs serve: passthrough and permissions", () => {
  it("a non-root process keeps exactly the access it had; what it creates is its own, on the original", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/secret`), "root only");
    chmodSync(c.at(`${c.volume}/secret`), 0o600);
    writeFileSync(c.at(`${c.volume}/public`), "everyone");
    const before = [
      await inside(c, ["cat", `${c.volume}/secret`], 1000),
      await inside(c, ["cat", `${c.volume}/public`], 1000),
      await inside(c, ["sh", "-c", `echo x > ${c.volume}/public`], 1000),
    ].map((r) => r.code);
    expect(before).toEqual([1, 0, 2]); // cat: 1; sh's refused redirection: 2
    await serve(c, []);
    expect(fstypeAt(c, c.volume)).toBe("fuse.faultline-iofs");
    const secret = await inside(c, ["cat", `${c.volume}/secret`], 1000);
    expect(secret.stderr).toContain("Permission denied");
    const during = [secret, await inside(c, ["cat", `${c.volume}/public`], 1000), await inside(c, ["sh", "-c", `echo x > ${c.volume}/public`], 1000)];
    expect(during.map((r) => r.code)).toEqual(before);
    expect((await inside(c, ["cat", `${c.volume}/secret`])).stdout).toBe("root only"); // root still reads it
    // created through FUSE by uid 1000: owned by 1000 on the original, with the asked mode
    expect((await inside(c, ["sh", "-c", `umask 022; echo mine > ${c.volume}/new && mkdir ${c.volume}/dir && ln -s new ${c.volume}/link && mv ${c.volume}/new ${c.volume}/dir/new`], 1000)).code).toBe(0);
    expect((await inside(c, ["stat", "-c", "%u %g %a", `${c.volume}/dir/new`, `${c.volume}/dir`])).stdout).toBe("1000 1000 644\n1000 1000 755\n");
    expect((await inside(c, ["cat", `${c.volume}/link`])).code).toBe(1); // link → new, moved away
    helper.stop(servers[0]!.pid);
    await until("the volume is the tmpfs again", () => fstypeAt(c, c.volume) === "tmpfs");
    const st = statSync(c.at(`${c.volume}/dir/new`));
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([1000, 1000, 0o644]);
    expect(readFileSync(c.at(`${c.volume}/dir/new`), "utf8")).toBe("mine\n");
    chownSync(c.at(`${c.volume}/dir/new`), 0, 0);
  });
});

describe("faultline-iofs serve: every operation passes through", () => {
  it("chmod, chown, truncate, utimes, rename, link, symlink, readlink, unlink, mkdir, rmdir, mknod, xattrs, fsync, readdir, statfs land on the original", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "0123456789");
    await serve(c, []);
    const v = c.volume;
    const script = [
      `cd ${v}`,
      "chmod 640 f", "chown 1000:1001 f", "truncate -s 4 f",
      "mkdir -p a/b", "mv f a/b/g", "ln a/b/g hard", "ln -s a/b/g soft", "readlink soft > a/link-target",
      "mkfifo a/fifo", "echo gone > tmp && rm tmp", "mkdir empty && rmdir empty",
      "printf x >> a/b/g && sync a/b/g", "touch -d @1000000000 a/b/g",
      `python3 -c "import os; os.setxattr('a/b/g', 'user.k', b'v1'); os.setxattr('a/b/g', 'user.r', b'x'); os.removexattr('a/b/g', 'user.r'); print(os.getxattr('a/b/g', 'user.k').decode(), sorted(os.listxattr('a/b/g')))"`,
      "ls -a a | tr '\\n' ' '", "stat -f -c '%b %s' .",
    ].join(" && ");
    const run = await inside(c, ["sh", "-c", script]);
    expect(run.stderr).toBe("");
    const fs = statfsSync(c.at(v)); // the original's, seen through the mount (blocks and block size passed through)
    expect(run.stdout).toBe(`v1 ['user.k']\n. .. b fifo link-target ${fs.blocks} ${fs.bsize}\n`);
    helper.stop(servers[0]!.pid);
    await until("the volume is the tmpfs again", () => fstypeAt(c, v) === "tmpfs");
    const g = statSync(c.at(`${v}/a/b/g`));
    expect([g.mode & 0o7777, g.uid, g.gid, g.size, g.mtimeMs, g.nlink]).toEqual([0o640, 1000, 1001, 5, 1e12, 2]);
    expect(readFileSync(c.at(`${v}/a/b/g`), "utf8")).toBe("0123x");
    expect(readFileSync(c.at(`${v}/a/link-target`), "utf8")).toBe("a/b/g\n");
    expect(statSync(c.at(`${v}/hard`)).ino).toBe(g.ino);
    expect(statSync(c.at(`${v}/a/fifo`)).isFIFO()).toBe(true);
    expect(readdirSync(c.at(v)).sort()).toEqual(["a", "hard", "soft"]);
    const xattr = await inside(c, ["python3", "-c", `import os; print(os.getxattr('${v}/a/b/g', 'user.k').decode())`]);
    expect(xattr.stdout).toBe("v1\n");
  });
});


describe("faultline-iofs serve: the volume as mounted", () => {
  it("a volume path through a symlink: check and serve answer the resolved path, which is what is mounted over", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "data");
    const link = join(c.dir, "link"); // <dir>/link -> data, as /var/run -> /run
    symlinkSync("data", link);
    expect(await helper.check(c.pid, link)).toEqual({ ok: true, faulted: false, path: c.volume });
    writeIofsConfig(c.config, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 5 }]);
    const server = await helper.serve({ pid: c.pid, volume: link, configFile: c.config, key });
    servers.push(server);
    expect(server.path).toBe(c.volume);
    expect(fstypeAt(c, c.volume)).toBe("fuse.faultline-iofs");
    expect(fstypeAt(c, link)).toBeUndefined();
    expect(errorCode(() => readOnce(c.at(`${c.volume}/f`)))).toBe("EIO");
    expect(await helper.check(c.pid, link)).toEqual({ ok: true, faulted: true, path: c.volume });
  });

  it("a noexec volume and a read-only volume keep those flags while faulted (nosuid, nodev always)", async () => {
    const noexec = await container("mode=1777,noexec");
    copyFileSync("/bin/true", noexec.at(`${noexec.volume}/true`));
    chmodSync(noexec.at(`${noexec.volume}/true`), 0o755);
    expect((await inside(noexec, [`${noexec.volume}/true`])).code).toBe(126);
    await serve(noexec, []);
    expect(fstypeAt(noexec, noexec.volume)).toBe("fuse.faultline-iofs");
    expect(mountOptionsAt(noexec, noexec.volume)).toEqual(expect.arrayContaining(["rw", "noexec", "nosuid", "nodev"]));
    expect((await inside(noexec, [`${noexec.volume}/true`])).code).toBe(126);

    const ro = await container("mode=1777,ro");
    await serve(ro, []);
    expect(fstypeAt(ro, ro.volume)).toBe("fuse.faultline-iofs");
    expect(mountOptionsAt(ro, ro.volume)).toEqual(expect.arrayContaining(["ro", "nosuid", "nodev"]));
    const write = await inside(ro, ["sh", "-c", `echo x > ${ro.volume}/new`]);
    expect(write.code).not.toBe(0);
    expect(write.stderr).toContain("Read-only file system");
  });

  it("a shared volume (Bidirectional) is refused: a mount over it would reach its peers", async () => {
    const c = await container("mode=1777", (volume) => `mount --make-shared ${volume}`);
    expect(await helper.check(c.pid, c.volume)).toEqual({ ok: false, reason: expect.stringContaining(`volume ${c.volume} is a shared mount`) });
    await expect(serve(c, [])).rejects.toThrow("is a shared mount");
    expect(fstypeAt(c, c.volume)).toBe("tmpfs");
  });

  it("a serve whose mounting process is killed right after the mount, before anyone was told, leaves no mount: the watchdog, forked before, unmounts", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "original");
    const argv = iofsArgv({ command: "serve", pid: c.pid, volume: c.volume, configFile: c.config, key });
    const first = spawn(binary, argv, { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, FAULTLINE_IOFS_TEST_STOP_AFTER_MOUNT: "1" } });
    const childrenOf = (pid: number) => readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(" ").filter(Boolean).map(Number);
    let watchdog = 0;
    let mounter = 0;
    await until("the mounting process stops after its mount", () => {
      watchdog = childrenOf(first.pid!)[0] ?? 0;
      mounter = watchdog ? (childrenOf(watchdog)[0] ?? 0) : 0;
      if (!mounter) return false;
      const stat = readFileSync(`/proc/${mounter}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2)[0] === "T";
    });
    expect(fstypeAt(c, c.volume)).toBe("fuse.faultline-iofs");
    servers.push({ pid: mounter, watchdog, path: c.volume });
    first.kill("SIGKILL");
    process.kill(mounter, "SIGKILL");
    await until("the watchdog unmounts and exits", () => fstypeAt(c, c.volume) === "tmpfs" && !alive(watchdog));
    expect(await inside(c, ["cat", `${c.volume}/f`])).toMatchObject({ code: 0, stdout: "original" });
  });
});

describe("faultline-iofs recovery", () => {
  it("SIGTERM restores the original mount and data byte for byte; both processes exit", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), Buffer.from(Array.from({ length: 10000 }, (_, i) => i % 251)));
    writeFileSync(c.at(`${c.volume}/g`), "g");
    const digest = digestTree(c.at(c.volume));
    const mountinfo = readFileSync(`/proc/${c.pid}/mountinfo`, "utf8");
    const server = await serve(c, [{ kind: "fault", percent: 100, methods: ["read"], errno: 5 }]);
    expect(errorCode(() => readOnce(c.at(`${c.volume}/g`)))).toBe("EIO");
    helper.stop(server.pid);
    await until("both processes exit", () => !alive(server.pid) && !alive(server.watchdog));
    expect(readFileSync(`/proc/${c.pid}/mountinfo`, "utf8")).toBe(mountinfo);
    expect(digestTree(c.at(c.volume))).toEqual(digest);
    expect(await helper.check(c.pid, c.volume)).toEqual({ ok: true, faulted: false, path: c.volume });
  });

  it("a file opened through FUSE before SIGTERM keeps being served (without the fault) until closed; then the server exits", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "held");
    const server = await serve(c, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 5 }]);
    const fd = openSync(c.at(`${c.volume}/f`), "r");
    try {
      const buf = Buffer.alloc(16);
      expect(errorCode(() => readSync(fd, buf, 0, 16, 0))).toBe("EIO");
      helper.stop(server.pid);
      await until("the original is at the path again", () => fstypeAt(c, c.volume) === "tmpfs");
      expect((await inside(c, ["cat", `${c.volume}/f`])).stdout).toBe("held"); // new opens: the original
      const n = readSync(fd, buf, 0, 16, 0); // the held file: still served, no fault
      expect(buf.subarray(0, n).toString()).toBe("held");
      await new Promise((r) => setTimeout(r, 300));
      expect(alive(server.pid)).toBe(true);
    } finally {
      closeSync(fd);
    }
    await until("the server exits once the file is closed", () => !alive(server.pid) && !alive(server.watchdog));
  });

  it("SIGTERM ends a delay in progress: a reader blocked by 30 s of latency gets its data, and the server exits, well before the 30 s", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "slow");
    const server = await serve(c, [{ kind: "latency", path: `${c.volume}/f`, methods: ["read"], percent: 100, delayNs: 30_000_000_000 }]);
    let read: Run | undefined;
    void inside(c, ["cat", `${c.volume}/f`]).then((r) => (read = r));
    await new Promise((r) => setTimeout(r, 500));
    expect(read).toBeUndefined(); // blocked in the delay
    helper.stop(server.pid);
    // a poll deadline of 20 s, below the 30 s delay: ordering, not a wall-clock bound
    await until("the reader completes and the server exits", () => read !== undefined && !alive(server.pid) && !alive(server.watchdog), 20_000);
    expect(read).toMatchObject({ code: 0, stdout: "slow" }); // no fault after a cut-short delay
  }, 30_000);

  it("SIGHUP with a config without the latency ends a delay in progress; the server serves on", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "slow");
    const server = await serve(c, [{ kind: "latency", path: `${c.volume}/f`, methods: ["read"], percent: 100, delayNs: 30_000_000_000 }]);
    let read: Run | undefined;
    void inside(c, ["cat", `${c.volume}/f`]).then((r) => (read = r));
    await new Promise((r) => setTimeout(r, 500));
    expect(read).toBeUndefined();
    writeIofsConfig(c.config, [{ kind: "fault", path: `${c.volume}/other`, methods: ["read"], percent: 100, errno: 5 }]);
    helper.reload(server.pid);
    await until("the reader completes", () => read !== undefined, 20_000);
    expect(read).toMatchObject({ code: 0, stdout: "slow" });
    expect(alive(server.pid)).toBe(true);
    expect(fstypeAt(c, c.volume)).toBe("fuse.faultline-iofs");
  }, 30_000);

  it("the server SIGKILLed: the watchdog unmounts at once, the original is visible, no ENOTCONN on new opens", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "original");
    const log = join(c.dir, "log");
    const server = await serve(c, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 5 }], log);
    expect(errorCode(() => readOnce(c.at(`${c.volume}/f`)))).toBe("EIO");
    process.kill(server.pid, "SIGKILL");
    await until("the watchdog exits", () => !alive(server.watchdog));
    expect(fstypeAt(c, c.volume)).toBe("tmpfs");
    expect(await inside(c, ["cat", `${c.volume}/f`])).toMatchObject({ code: 0, stdout: "original" });
    expect(readFileSync(log, "utf8")).toMatch(/watchdog: server \d+ killed by signal 9[\s\S]*watchdog: lazily unmounted/);
  });

  it("a watchdog whose server exited cleanly never touches the next server's mount (the kernel reuses mount ids and devices)", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "data");
    const mountOf = () => readFileSync(`/proc/${c.pid}/mountinfo`, "utf8").split("\n").filter((l) => l.split(" ")[4] === c.volume).at(-1)!.split(" ").slice(0, 3);
    const a = await serve(c, []);
    const [aId, , aDev] = mountOf();
    process.kill(a.watchdog, "SIGSTOP"); // it will look only after the next server is up
    helper.stop(a.pid);
    await until("the first server exits", () => !alive(a.pid));
    const b = await serve(c, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 5 }]);
    const [bId, , bDev] = mountOf();
    process.kill(a.watchdog, "SIGCONT");
    await until("the first watchdog exits", () => !alive(a.watchdog));
    expect(fstypeAt(c, c.volume)).toBe("fuse.faultline-iofs");
    expect(alive(b.pid)).toBe(true);
    expect(errorCode(() => readOnce(c.at(`${c.volume}/f`)))).toBe("EIO");
    // what makes this test bite: the new mount usually has the old one's id and device
    console.log(`mount id ${aId} -> ${bId}, device ${aDev} -> ${bDev}`);
  });

  it("unmount: refuses a mount that is not ours, unmounts ours (the server then exits)", async () => {
    const c = await container();
    expect(await helper.unmount(c.pid, c.volume)).toEqual({ unmounted: false, reason: `the mount at ${c.volume} is tmpfs, not fuse.faultline-iofs` });
    expect(fstypeAt(c, c.volume)).toBe("tmpfs");
    expect(await helper.unmount(c.pid, c.dir)).toEqual({ unmounted: false, reason: `nothing is mounted at ${c.dir}` });
    const server = await serve(c, []);
    expect(fstypeAt(c, c.volume)).toBe("fuse.faultline-iofs");
    expect(await helper.unmount(c.pid, c.volume)).toEqual({ unmounted: true });
    expect(fstypeAt(c, c.volume)).toBe("tmpfs");
    await until("the server exits", () => !alive(server.pid) && !alive(server.watchdog));
    expect(await helper.unmount(c.pid, c.volume)).toMatchObject({ unmounted: false }); // idempotent
  });

  it("the target exits: the watchdog stops the server, and both exit (nothing outlives the container)", async () => {
    const c = await container();
    const log = join(c.dir, "log");
    const server = await serve(c, [{ kind: "fault", percent: 100, errno: 5 }], log);
    process.kill(c.pid, "SIGKILL");
    await until("both processes exit", () => !alive(server.pid) && !alive(server.watchdog));
    expect(readFileSync(log, "utf8")).toContain("watchdog: the target exited: stopping the server");
  });

  it("--join-cgroup: the server and its watchdog live in the target's cgroups; killing the caller's whole cgroup and process group leaves them serving", async () => {
    const c = await container();
    writeFileSync(c.at(`${c.volume}/f`), "original");
    const tag = `faultline-iofs-test-${process.pid}-${Date.now()}`;
    const target = makeCgroup(`${tag}-container`);
    const daemon = makeCgroup(`${tag}-daemon`);
    for (const procs of target.procs) writeFileSync(procs, `${c.pid}\n`);
    writeIofsConfig(c.config, [{ kind: "fault", path: `${c.volume}/f`, methods: ["read"], percent: 100, errno: 5 }]);
    // a failed write refuses serve, with nothing mounted
    const before = readFileSync(`/proc/${c.pid}/mountinfo`, "utf8");
    await expect(helper.serve({ pid: c.pid, volume: c.volume, configFile: c.config, key, joinCgroups: [join(c.dir, "nope", "cgroup.procs")] })).rejects.toThrow(
      `faultline-iofs serve refused: join-cgroup: cannot open ${join(c.dir, "nope", "cgroup.procs")}: No such file or directory`,
    );
    expect(readFileSync(`/proc/${c.pid}/mountinfo`, "utf8")).toBe(before);
    // the "daemon": a shell in its own cgroups and process group that runs serve, then stays
    const argv = iofsArgv({ command: "serve", pid: c.pid, volume: c.volume, configFile: c.config, key, joinCgroups: target.procs });
    const script = `for f in "$@"; do echo $$ > "$f"; done; ${binary} ${argv.join(" ")} && exec sleep 100000`;
    const shell = spawn("sh", ["-c", script, "sh", ...daemon.procs], { stdio: ["ignore", "pipe", "inherit"], detached: true });
    const line = await new Promise<string>((resolve, reject) => {
      shell.once("exit", (code) => reject(new Error(`the daemon shell exited ${code}`)));
      shell.stdout!.once("data", (d: Buffer) => resolve(d.toString()));
    });
    shell.removeAllListeners("exit");
    const server = parseIofsServeOutput(line);
    servers.push(server);
    for (const pid of [server.pid, server.watchdog]) {
      for (const name of target.names) expect(cgroupsOf(pid)).toContain(`:${name}\n`);
      for (const name of daemon.names) expect(cgroupsOf(pid)).not.toContain(`:${name}\n`);
    }
    // the runtime stopping the daemon's container: every process of its cgroups, and its process group
    process.kill(-shell.pid!, "SIGKILL");
    for (const procs of daemon.procs) {
      for (const pid of readFileSync(procs, "utf8").split("\n").filter(Boolean)) process.kill(Number(pid), "SIGKILL");
    }
    await until("the daemon's cgroups are empty", () => daemon.procs.every((p) => readFileSync(p, "utf8").trim() === ""), 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(server.pid)).toBe(true);
    expect(alive(server.watchdog)).toBe(true);
    expect(fstypeAt(c, c.volume)).toBe("fuse.faultline-iofs");
    expect(errorCode(() => readOnce(c.at(`${c.volume}/f`)))).toBe("EIO");
  });

  it("the server is found again by its key in its cmdline", async () => {
    const c = await container();
    const server = await serve(c, []);
    expect(helper.isServer(server.pid, key)).toBe(true);
    expect(helper.isServer(server.pid, "f".repeat(32))).toBe(false);
    expect(helper.isServer(c.pid, key)).toBe(false);
  });
});
