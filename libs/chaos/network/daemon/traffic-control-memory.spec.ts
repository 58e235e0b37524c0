import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TrafficControlMemory, processStartTime } from "./traffic-control-memory.js";
import type { TrafficControlPlan } from "./traffic-control-plan.js";

const plan = (delay: string): TrafficControlPlan => ({
  commands: [["tc", "qdisc", "add", "dev", "eth0", "root", "handle", "1:", "netem", "delay", delay]],
  mangle: { ipv4: { chains: new Map(), hooks: [] }, ipv6: { chains: new Map(), hooks: [] } },
  layouts: new Map(),
  notes: [],
});

describe("the traffic-control plans SetTcs remembers", () => {
  // the seams: which processes live (pid → start time); the namespace inode is part of the key
  let live: Map<number, string>;
  let memory: TrafficControlMemory;
  beforeEach(() => {
    live = new Map([[100, "5000"]]);
    memory = new TrafficControlMemory(async (pid) => live.get(pid));
  });

  it("hands a plan back to the same container's same process in the same namespace", async () => {
    memory.remember(TrafficControlMemory.key("containerd://a", "net:4:4026532000"), { pid: 100, startTime: "5000" }, plan("100ms"));
    expect(await memory.evictGone()).toBe(0);
    expect(memory.previous(TrafficControlMemory.key("containerd://a", "net:4:4026532000"), { pid: 100, startTime: "5000" })?.commands[0]).toContain("100ms");
  });

  it("never hands a dead pod's plan to a new pod whose namespace got the same inode, and evicts it", async () => {
    const inode = "net:4:4026532000";
    memory.remember(TrafficControlMemory.key("containerd://dead", inode), { pid: 100, startTime: "5000" }, plan("100ms"));
    // the dead pod's process is gone; a new pod's namespace has the kernel-reused inode
    live.delete(100);
    live.set(200, "9000");
    expect(memory.previous(TrafficControlMemory.key("containerd://new", inode), { pid: 200, startTime: "9000" })).toBeUndefined();
    expect(await memory.evictGone()).toBe(1);
    expect(memory.size).toBe(0);
  });

  it("keys by pod uid too: the same container id and inode under another pod uid is another target", () => {
    memory.remember(TrafficControlMemory.key("containerd://a", "net:4:1", "uid-1"), { pid: 100, startTime: "5000" }, plan("100ms"));
    expect(memory.previous(TrafficControlMemory.key("containerd://a", "net:4:1", "uid-2"), { pid: 100, startTime: "5000" })).toBeUndefined();
    expect(memory.previous(TrafficControlMemory.key("containerd://a", "net:4:1", "uid-1"), { pid: 100, startTime: "5000" })).toBeDefined();
  });

  it("forgets a plan whose pid was reused by another process (same container id and inode, other start time)", async () => {
    const key = TrafficControlMemory.key("containerd://a", "net:4:4026532000");
    memory.remember(key, { pid: 100, startTime: "5000" }, plan("100ms"));
    live.set(100, "7777");
    expect(memory.previous(key, { pid: 100, startTime: "7777" })).toBeUndefined();
    expect(memory.size).toBe(0);
    memory.remember(key, { pid: 100, startTime: "5000" }, plan("100ms"));
    expect(await memory.evictGone()).toBe(1);
  });

  it("reads a process's start time from /proc/<pid>/stat (field 22, after a command name with spaces and parentheses), undefined when gone", async () => {
    const root = await mkdtemp(join(tmpdir(), "proc-"));
    try {
      await mkdir(join(root, "42"));
      const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
      fields[19] = "123456"; // field 22
      await writeFile(join(root, "42", "stat"), `42 (a b) (c) ${fields.join(" ")}\n`);
      expect(await processStartTime(42, root)).toBe("123456");
      expect(await processStartTime(43, root)).toBeUndefined();
      expect(await processStartTime(process.pid)).toMatch(/^\d+$/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
