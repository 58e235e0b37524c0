import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cgroupTargetOf, parseCgroupV1Mounts, parseProcCgroup } from "./cgroup-target.js";

// Reading /proc and the cgroup tree, on a copy laid out as a node's (the real ones are read in
// stress-chaos-daemon.integration.spec.ts).
const mountinfo = `25 1 0:22 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd
30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
31 25 0:28 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
`;
const procCgroup = `12:memory:/kubepods/pod1/abc
3:cpu,cpuacct:/kubepods/pod1/abc
1:name=systemd:/kubepods/pod1/abc
0::/kubepods/pod1/abc
`;

describe("cgroup discovery", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "faultline-cgroup-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads mountinfo and /proc/<pid>/cgroup", () => {
    const mounts = parseCgroupV1Mounts(mountinfo);
    expect([...mounts.keys()].sort()).toEqual(["", "cpu,cpuacct", "memory", "name=systemd"]);
    expect(mounts.get("cpu,cpuacct")).toEqual({ root: "/", mountPoint: "/sys/fs/cgroup/cpu,cpuacct" });
    expect(parseProcCgroup(procCgroup)).toEqual([
      { controllers: ["memory"], path: "/kubepods/pod1/abc" },
      { controllers: ["cpu", "cpuacct"], path: "/kubepods/pod1/abc" },
      { controllers: ["name=systemd"], path: "/kubepods/pod1/abc" },
      { controllers: [], path: "/kubepods/pod1/abc" },
    ]);
  });

  it("v1/hybrid: one cgroup.procs per hierarchy, and the memory limit", async () => {
    const proc = join(dir, "proc");
    const cg = join(dir, "cgroup");
    mkdirSync(join(proc, "42"), { recursive: true });
    mkdirSync(join(proc, "self"), { recursive: true });
    writeFileSync(join(proc, "42", "cgroup"), procCgroup);
    writeFileSync(join(proc, "self", "mountinfo"), mountinfo.replaceAll("/sys/fs/cgroup", cg));
    mkdirSync(join(cg, "memory", "kubepods/pod1/abc"), { recursive: true });
    writeFileSync(join(cg, "memory", "kubepods/pod1/abc", "memory.limit_in_bytes"), "268435456\n");
    const target = await cgroupTargetOf(42, { procRoot: proc, cgroupRoot: cg });
    expect(target).toEqual({
      mode: "v1",
      procsFiles: [
        join(cg, "memory/kubepods/pod1/abc/cgroup.procs"),
        join(cg, "cpu,cpuacct/kubepods/pod1/abc/cgroup.procs"),
        join(cg, "systemd/kubepods/pod1/abc/cgroup.procs"),
        join(cg, "unified/kubepods/pod1/abc/cgroup.procs"),
      ],
      memoryLimitBytes: 268435456,
    });
    writeFileSync(join(cg, "memory", "kubepods/pod1/abc", "memory.limit_in_bytes"), "9223372036854771712\n");
    expect((await cgroupTargetOf(42, { procRoot: proc, cgroupRoot: cg })).memoryLimitBytes).toBeUndefined();
  });

  it("v2: the unified cgroup, its memory.max; refuses a path outside the daemon's cgroup namespace", async () => {
    const proc = join(dir, "proc");
    const cg = join(dir, "cgroup");
    mkdirSync(join(proc, "42"), { recursive: true });
    mkdirSync(join(cg, "kubepods/pod1/abc"), { recursive: true });
    writeFileSync(join(cg, "cgroup.controllers"), "cpu memory pids\n");
    writeFileSync(join(proc, "42", "cgroup"), "0::/kubepods/pod1/abc\n");
    writeFileSync(join(cg, "kubepods/pod1/abc", "memory.max"), "104857600\n");
    expect(await cgroupTargetOf(42, { procRoot: proc, cgroupRoot: cg })).toEqual({
      mode: "v2",
      procsFiles: [join(cg, "kubepods/pod1/abc/cgroup.procs")],
      memoryLimitBytes: 104857600,
    });
    writeFileSync(join(cg, "kubepods/pod1/abc", "memory.max"), "max\n");
    expect((await cgroupTargetOf(42, { procRoot: proc, cgroupRoot: cg })).memoryLimitBytes).toBeUndefined();
    writeFileSync(join(proc, "42", "cgroup"), "0::/../../kubepods/pod1/abc\n");
    await expect(cgroupTargetOf(42, { procRoot: proc, cgroupRoot: cg })).rejects.toThrow(/host's cgroup namespace/);
  });
});
