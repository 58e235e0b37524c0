import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NamespaceProcessRunner, NamespaceProcessError } from "./namespace-process-runner.js";
import { nodeProcessSpawner } from "./node-process-spawner.js";
import type { ProcessSpawner } from "./process-spawner.js";
import { SpawnHelper } from "./spawn-helper.js";
import { ensureSpawnHelperBinary, sleepsOf, until } from "./spawn-helper.test-support.js";

// These tests run real nsenter (util-linux) as root against real namespaces; the argv it builds is
// tested in namespace-process-runner.spec.ts. The same behaviour with either spawner: Node's
// child_process, and the faultline-spawn helper the daemon uses.
const helper = new SpawnHelper({ binary: ensureSpawnHelperBinary() });
afterAll(() => helper.close());

describe.each<[string, ProcessSpawner]>([
  ["Node's child_process", nodeProcessSpawner],
  ["faultline-spawn", helper],
])("NamespaceProcessRunner through %s", (_name, spawner) => {
  const runner = new NamespaceProcessRunner({ timeoutMs: 5_000, spawner });

  describe("run", () => {
    let target: ChildProcess;
    let dir: string;

    beforeAll(async () => {
      // a process in its own mount namespace, with a tmpfs only that namespace sees
      dir = mkdtempSync(join(tmpdir(), "faultline-runner-"));
      target = spawn(
        "unshare",
        ["--mount", "--propagation", "private", "sh", "-c", 'mount -t tmpfs tmpfs "$0" && echo inside > "$0/marker" && exec sleep 120', dir],
        { stdio: "ignore" },
      );
      for (let i = 0; i < 100; i++) {
        try {
          await runner.run({ pid: target.pid!, namespaces: ["mnt"], argv: ["test", "-f", join(dir, "marker")] });
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error("the target's tmpfs never appeared");
    });

    afterAll(() => {
      target.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    });

    it("runs the program inside the target's mount namespace", async () => {
      const result = await runner.run({ pid: target.pid!, namespaces: ["mnt"], argv: ["cat", join(dir, "marker")] });
      expect(result.stdout).toBe("inside\n");
      expect(result.exitCode).toBe(0);
      expect(result.command.slice(0, 5)).toEqual(["nsenter", "-t", String(target.pid), "-m", "--"]);
      // the host's view of the same directory is still empty
      expect(existsSync(join(dir, "marker"))).toBe(false);
    });

    it("passes request data as one argv entry, never through a shell", async () => {
      const hostile = '$(touch /tmp/faultline-pwned); rm -rf / ; `id`';
      const result = await runner.run({ pid: process.pid, namespaces: ["mnt"], argv: ["echo", hostile] });
      expect(result.stdout).toBe(`${hostile}\n`);
      expect(existsSync("/tmp/faultline-pwned")).toBe(false);
    });

    it("feeds input to the program's stdin and closes it (ipset restore, iptables-restore)", async () => {
      const { stdout } = await runner.run({ pid: target.pid!, namespaces: ["mnt"], argv: ["cat"], input: "line one\nline two\n" });
      expect(stdout).toBe("line one\nline two\n");
    });

    it("rejects with the exit status and stderr when the program fails", async () => {
      const failure = runner.run({ pid: process.pid, namespaces: ["mnt"], argv: ["sh", "-c", "echo broken >&2; exit 3"] });
      await expect(failure).rejects.toThrow(NamespaceProcessError);
      await expect(failure).rejects.toMatchObject({ reason: "exit-status", exitCode: 3, stderr: "broken\n" });
      await expect(failure).rejects.toThrow(/exited with status 3: broken/);
    });

    it("fails clearly for a pid that does not exist", async () => {
      await expect(
        runner.run({ pid: 4_000_000, namespaces: ["mnt"], argv: ["true"] }),
      ).rejects.toMatchObject({ reason: "exit-status" });
    });

    it("kills the process and everything it started on timeout", async () => {
      const started = Date.now();
      // a duration no other process here sleeps: how its sleeps are found in /proc
      const duration = `30.${process.pid}${spawner === helper ? 1 : 2}`;
      const failure = runner.run({ pid: process.pid, namespaces: ["mnt"], argv: ["sh", "-c", `sleep ${duration} & sleep ${duration}`], timeoutMs: 3000 });
      // both running before the timeout (polled: a loaded machine can take a while to start them)
      await until("both sleeps running", () => sleepsOf(duration).length === 2, 2_000);
      await expect(failure).rejects.toMatchObject({ reason: "timeout" });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(sleepsOf(duration)).toEqual([]); // the group went: nothing it started is left
    });

    it("takes a timeout beyond setTimeout's range as the longest it can wait, not as none", async () => {
      const result = await runner.run({ pid: process.pid, namespaces: ["mnt"], argv: ["echo", "ok"], timeoutMs: 10_000_000_000 });
      expect(result.stdout).toBe("ok\n");
    });

    it("cancels when the caller's signal aborts", async () => {
      const controller = new AbortController();
      const failure = runner.run({ pid: process.pid, namespaces: ["mnt"], argv: ["sleep", "30"], signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expect(failure).rejects.toMatchObject({ reason: "cancelled" });
    });

    it("stops a process that writes more output than allowed", async () => {
      const small = new NamespaceProcessRunner({ maxOutputBytes: 1024, spawner });
      await expect(
        small.run({ pid: process.pid, namespaces: ["mnt"], argv: ["yes"] }),
      ).rejects.toMatchObject({ reason: "output-too-large" });
    });

    it("reports a missing nsenter as a spawn failure", async () => {
      const broken = new NamespaceProcessRunner({ nsenterPath: "/nonexistent/nsenter", spawner });
      const failure = broken.run({ pid: process.pid, namespaces: ["mnt"], argv: ["true"] });
      await expect(failure).rejects.toMatchObject({ reason: "spawn-failed" });
      await expect(failure).rejects.toThrow("cannot run /nonexistent/nsenter: spawn /nonexistent/nsenter ENOENT");
    });
  });
});
