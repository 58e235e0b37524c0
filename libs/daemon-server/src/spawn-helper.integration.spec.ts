import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import type { ProcessSpawner, SpawnRequest } from "./process-spawner.js";
import { nodeProcessSpawner } from "./node-process-spawner.js";
import { SpawnHelper } from "./spawn-helper.js";
import { encodeRun } from "./spawn-helper-protocol.js";
import { ensureSpawnHelperBinary, sleepsOf, until } from "./spawn-helper.test-support.js";

// The real faultline-spawn binary (built by make) running real processes; what the runner makes of
// its answers is in namespace-process-runner.integration.spec.ts, run with both spawners.
const binary = ensureSpawnHelperBinary();
const request = (file: string, args: string[], more: Partial<SpawnRequest> = {}): SpawnRequest => ({ file, args, timeoutMs: 10_000, maxOutputBytes: 16 * 1024 * 1024, ...more });
const helpers: SpawnHelper[] = [];
const newHelper = (options: ConstructorParameters<typeof SpawnHelper>[0] = {}) => {
  const helper = new SpawnHelper({ binary, ...options });
  helpers.push(helper);
  return helper;
};
afterEach(async () => {
  await Promise.all(helpers.splice(0).map((h) => h.close()));
});

/** A fallback that records what it was asked and runs it with Node's child_process. */
const recordingFallback = () => {
  const asked: string[] = [];
  const spawner: ProcessSpawner = {
    spawn: (r) => {
      asked.push([r.file, ...r.args].join(" "));
      return nodeProcessSpawner.spawn(r);
    },
  };
  return { asked, spawner };
};

describe("SpawnHelper", () => {
  it("runs 200 processes at once, each answer its own", async () => {
    const helper = newHelper();
    const outcomes = await Promise.all(Array.from({ length: 200 }, (_, i) => helper.spawn(request("sh", ["-c", `echo out-${i}; echo err-${i} >&2; exit ${i % 7}`]))));
    outcomes.forEach((o, i) => {
      expect(o).toMatchObject({ kind: "exited", code: i % 7 });
      expect([o.stdout.toString(), o.stderr.toString()]).toEqual([`out-${i}\n`, `err-${i}\n`]);
    });
  });

  it("carries 4 MiB of stdin in and out unchanged", async () => {
    const input = Array.from({ length: 80_000 }, (_, i) => `line ${i} ${"x".repeat(48)}\n`).join("").slice(0, 4 * 1024 * 1024); // exactly 4 MiB
    const outcome = await newHelper().spawn(request("cat", [], { input }));
    expect(outcome.kind).toBe("exited");
    expect(createHash("sha256").update(outcome.stdout).digest("hex")).toBe(createHash("sha256").update(input).digest("hex"));
  });

  it("answers a signal death with the signal's name", async () => {
    expect(await newHelper().spawn(request("sh", ["-c", "kill -TERM $$"]))).toMatchObject({ kind: "signaled", signal: "SIGTERM" });
  });

  it("a timeout whose pipes a process outside the group keeps open is still answered, a second later", async () => {
    const duration = `40.${process.pid}4`;
    const started = Date.now();
    try {
      // setsid: the sleep leaves the run's session and process group, holding its stdout
      const outcome = await newHelper().spawn(request("sh", ["-c", `setsid sleep ${duration} & exit 0`], { timeoutMs: 300 }));
      expect(outcome.kind).toBe("timeout");
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(sleepsOf(duration)).toHaveLength(1); // out of reach of the group kill, as with Node's child_process
    } finally {
      for (const pid of sleepsOf(duration)) process.kill(pid, "SIGKILL");
    }
  });

  it("a helper SIGKILLed mid-run: the run ends as killed, its process with it, and the next run starts a new helper", async () => {
    const helper = newHelper();
    const duration = `40.${process.pid}1`;
    const running = helper.spawn(request("sleep", [duration]));
    await until("the sleep to start", () => sleepsOf(duration).length === 1);
    const first = helper.pid!;
    process.kill(first, "SIGKILL");
    const outcome = await running;
    expect(outcome).toMatchObject({ kind: "signaled", signal: "SIGKILL" });
    expect(outcome.stderr.toString()).toMatch(/faultline-spawn ended \(killed by SIGKILL\) while this ran/);
    await until("the orphaned sleep to die (PR_SET_PDEATHSIG)", () => sleepsOf(duration).length === 0);
    expect(await helper.spawn(request("echo", ["again"]))).toMatchObject({ kind: "exited", code: 0 });
    expect(helper.pid).not.toBe(first);
  });

  it("after maxCrashes exits in the window, runs go to the fallback for good", async () => {
    const fallback = recordingFallback();
    const helper = newHelper({ fallback: fallback.spawner, maxCrashes: 2 });
    for (let i = 0; i < 2; i++) {
      expect(await helper.spawn(request("true", []))).toMatchObject({ kind: "exited", code: 0 });
      const pid = helper.pid!;
      process.kill(pid, "SIGKILL");
      await until("the helper to be gone", () => helper.pid === undefined);
    }
    expect(helper.usingFallback).toBe(true);
    expect(await helper.spawn(request("echo", ["by node"]))).toMatchObject({ kind: "exited", code: 0 });
    expect(fallback.asked).toEqual(["echo by node"]);
    expect(helper.pid).toBeUndefined();
  });

  it("a binary that cannot start: the runs go to the fallback, nothing is lost", async () => {
    const fallback = recordingFallback();
    const helper = newHelper({ binary: "/nonexistent/faultline-spawn", fallback: fallback.spawner });
    const outcomes = await Promise.all([helper.spawn(request("echo", ["a"])), helper.spawn(request("echo", ["b"]))]);
    expect(outcomes.map((o) => o.stdout.toString())).toEqual(["a\n", "b\n"]);
    expect(fallback.asked).toEqual(["echo a", "echo b"]);
    expect(SpawnHelper.usable("/nonexistent/faultline-spawn")).toBe(false);
    expect(SpawnHelper.usable(binary)).toBe(true);
  });

  it("past its --max-jobs the helper answers EAGAIN and those runs go to the fallback, each answered", async () => {
    const fallback = recordingFallback();
    const helper = newHelper({ fallback: fallback.spawner, maxJobs: 2 });
    const outcomes = await Promise.all([0, 1, 2, 3].map((i) => helper.spawn(request("sh", ["-c", `sleep 0.3; echo run-${i}`]))));
    expect(outcomes.map((o) => o.stdout.toString())).toEqual(["run-0\n", "run-1\n", "run-2\n", "run-3\n"]);
    expect(fallback.asked).toEqual(["sh -c sleep 0.3; echo run-2", "sh -c sleep 0.3; echo run-3"]);
    expect(() => new SpawnHelper({ binary, maxJobs: 1025 })).toThrow(/maxJobs must be an integer from 1 to 1024/);
  });

  it("close() ends the helper and what it runs", async () => {
    const helper = newHelper();
    const duration = `40.${process.pid}2`;
    const running = helper.spawn(request("sleep", [duration]));
    await until("the sleep to start", () => sleepsOf(duration).length === 1);
    await helper.close();
    expect(await running).toMatchObject({ kind: "signaled", signal: "SIGKILL" });
    await until("the sleep to die", () => sleepsOf(duration).length === 0);
    expect(await helper.spawn(request("true", []))).toMatchObject({ kind: "spawn-failed", message: "the spawn helper is closed" });
  });

  it("the binary refuses a malformed frame: status 2, a message, nothing run", async () => {
    const child = spawn(binary, ["serve"], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const good = encodeRun({ id: 1, timeoutMs: 1000, maxOutputBytes: 1000, argv: ["true"] });
    good.writeUInt32LE(0, 20); // argc 0
    child.stdin.write(good);
    const code = await new Promise((r) => child.on("close", r));
    expect(code).toBe(2);
    expect(stderr).toMatch(/faultline-spawn: a RUN frame's argc is 0/);
  });

  it("the binary exits when its stdin closes, taking its processes with it", async () => {
    const duration = `40.${process.pid}3`;
    const child = spawn(binary, ["serve"], { stdio: ["pipe", "pipe", "inherit"] });
    child.stdout.resume();
    child.stdin.write(encodeRun({ id: 1, timeoutMs: 60_000, maxOutputBytes: 1000, argv: ["sleep", duration] }));
    await until("the sleep to start", () => sleepsOf(duration).length === 1);
    child.stdin.end();
    expect(await new Promise((r) => child.on("close", r))).toBe(0);
    await until("the sleep to die", () => sleepsOf(duration).length === 0);
  });
});
