import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InitProcessCache } from "./init-process-cache.js";

const stat = (pid: number, state: string, startTime: string) =>
  `${pid} (we)ird (name)) ${state} 1 ${pid} ${pid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 ${startTime} 1000 100\n`;

describe("InitProcessCache", () => {
  it("returns a live process's pid, and forgets it once the process is gone", async () => {
    const child = spawn("sleep", ["30"]);
    const cache = new InitProcessCache();
    cache.remember("containerd://a", child.pid!);
    expect(cache.get("containerd://a")).toBe(child.pid);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    expect(cache.get("containerd://a")).toBeUndefined();
  });

  describe("with a /proc of its own", () => {
    let proc: string;
    beforeEach(() => {
      proc = mkdtempSync(join(tmpdir(), "faultline-proc-"));
      mkdirSync(join(proc, "42"));
    });
    afterEach(() => rmSync(proc, { recursive: true, force: true }));

    it("refuses a pid reused by a process with another start time", () => {
      writeFileSync(join(proc, "42", "stat"), stat(42, "S", "1000"));
      const cache = new InitProcessCache(proc);
      cache.remember("c", 42);
      expect(cache.get("c")).toBe(42);
      writeFileSync(join(proc, "42", "stat"), stat(42, "S", "2000"));
      expect(cache.get("c")).toBeUndefined();
      // and stays forgotten
      writeFileSync(join(proc, "42", "stat"), stat(42, "S", "1000"));
      expect(cache.get("c")).toBeUndefined();
    });

    it("refuses a zombie", () => {
      writeFileSync(join(proc, "42", "stat"), stat(42, "S", "1000"));
      const cache = new InitProcessCache(proc);
      cache.remember("c", 42);
      writeFileSync(join(proc, "42", "stat"), stat(42, "Z", "1000"));
      expect(cache.get("c")).toBeUndefined();
    });

    it("does not cache what it cannot verify, and evicts the oldest entry when full", () => {
      const cache = new InitProcessCache(proc, 1);
      cache.remember("missing", 7);
      expect(cache.get("missing")).toBeUndefined();
      writeFileSync(join(proc, "42", "stat"), stat(42, "R", "5"));
      mkdirSync(join(proc, "43"));
      writeFileSync(join(proc, "43", "stat"), stat(43, "R", "6"));
      cache.remember("first", 42);
      cache.remember("second", 43);
      expect(cache.get("first")).toBeUndefined();
      expect(cache.get("second")).toBe(43);
      cache.forget("second");
      expect(cache.get("second")).toBeUndefined();
    });
  });
});
