// For the integration specs of a helper process (helper-process-main.ts: DNSChaos's interceptor,
// HTTPChaos's proxy), built and run as a real child: spawning it, its ready line and JSON log,
// a config file the unprivileged uid may read, and the orphan-exit specs under real network
// namespaces (unshare/nsenter; needs root, no cluster).
import { afterAll, afterEach, beforeAll, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireRealParts } from "@faultline/test-ground";

export interface RunningHelper<R> {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with what the ready line says (`readyOf`); rejects if it exits first. */
  ready: Promise<R>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface HelperLogEvent {
  event: string;
  error?: string;
  reason?: string;
}

/** The setpriv prefix that runs a command as the unprivileged uid the daemon uses (65534 here). */
export const unprivileged = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", "--no-new-privs"];

/**
 * Sets up a describe block for a helper process: requires real parts and the built `main`, a
 * config file in a directory the unprivileged uid may read, and kills every child left after each
 * test. `run` spawns one; `readyOf` reads the ready line's value.
 */
export function helperProcessHarness<R>(what: string, main: string, readyOf: (line: Record<string, unknown>) => R) {
  const children: ChildProcess[] = [];
  let dir = "";
  const harness = {
    /** The config file's path (valid inside tests). */
    config: "",
    writeConfig: (value: unknown) => writeFileSync(harness.config, typeof value === "string" ? value : JSON.stringify(value), { mode: 0o644 }),
    run: (command: string, args: string[]): RunningHelper<R> => {
      const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
      children.push(child);
      let out = "";
      let err = "";
      child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
      const ready = new Promise<R>((resolve, reject) => {
        child.stdout!.on("data", (c: Buffer) => {
          out += c.toString();
          const line = out.split("\n").find((l) => l.includes('"ready"'));
          if (line !== undefined) resolve(readyOf(JSON.parse(line) as Record<string, unknown>));
        });
        void exited.then((e) => reject(new Error(`exited ${JSON.stringify(e)} before it was ready: ${err}`)));
      });
      ready.catch(() => {});
      return { child, stdout: () => out, stderr: () => err, ready, exited };
    },
    /**
     * A root `sleep` holding a network namespace of its own, once it is in it (unshare execs
     * sleep once it is), and the argv prefix that runs a command in that namespace (after `drop`).
     */
    holdNetns: async (drop: string[] = []) => {
      const holder = harness.run("unshare", ["--net", "sleep", "600"]);
      await waitUntil("unshare to exec sleep", () => readComm(holder.child.pid!) === "sleep");
      return { holder, enter: ["--net=/proc/" + holder.child.pid + "/ns/net", "--", ...drop] };
    },
  };
  beforeAll(() => {
    requireRealParts(what);
    if (!existsSync(main)) throw new Error(`${main} is missing: run npx nx run @faultline/chaos:build`);
    dir = mkdtempSync(join(tmpdir(), "faultline-helper-main-"));
    chmodSync(dir, 0o755); // the unprivileged case reads the config, as the daemon's process does (0644)
    harness.config = join(dir, "config.json");
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });
  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });
  return harness;
}

export type HelperProcessHarness<R> = ReturnType<typeof helperProcessHarness<R>>;

/** The JSON log lines a helper wrote on stderr so far. */
export const logEvents = (r: { stderr: () => string }): HelperLogEvent[] =>
  r
    .stderr()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HelperLogEvent);

export const waitUntil = async (what: string, check: () => boolean, timeoutMs = 5000) => {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

function readComm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/**
 * The orphan-exit specs of a helper process: alone in a new network namespace it exits 0 by
 * itself; as root and as the unprivileged uid it stays while another process (a root `sleep`)
 * shares its namespace and exits once that one is gone. `argv(orphanCheckMs)` is node's arguments
 * (main and options), `writeConfig` writes a config it starts with.
 */
export function orphanExitSpecs<R>(harness: HelperProcessHarness<R>, writeConfig: () => void, argv: (orphanCheckMs: number) => string[]): void {
  it("exits 0 by itself when it is alone in its network namespace (the pod is gone)", async () => {
    writeConfig();
    // unshare execs node in a new network namespace of its own: nothing else is in it
    const r = harness.run("unshare", ["--net", process.execPath, ...argv(200)]);
    await r.ready;
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(logEvents(r).find((e) => e.event === "exiting")!.reason).toContain("orphaned");
  }, 15_000);

  // as root it reads the holder's ns link; as the daemon runs it, unprivileged, it finds its
  // socket in the holder's socket table
  it.each([
    ["as root", [] as string[]],
    ["as an unprivileged uid", unprivileged],
  ])("%s: stays while another process shares its namespace, exits once that one is gone", async (_, drop) => {
    writeConfig();
    const { holder, enter } = await harness.holdNetns(drop);
    const r = harness.run("nsenter", [...enter, process.execPath, ...argv(100)]);
    await r.ready;
    await new Promise((res) => setTimeout(res, 800)); // eight checks
    expect(r.child.exitCode).toBeNull();
    holder.child.kill("SIGKILL");
    expect(await r.exited).toEqual({ code: 0, signal: null });
    expect(logEvents(r).find((e) => e.event === "exiting")!.reason).toContain("orphaned");
  }, 20_000);
}
