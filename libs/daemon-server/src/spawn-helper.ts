import { spawn, type ChildProcessByStdio } from "node:child_process";
import { accessSync, constants as fsConstants } from "node:fs";
import { constants as osConstants } from "node:os";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { getSystemErrorName } from "node:util";
import type { Logger } from "winston";
import { nodeProcessSpawner } from "./node-process-spawner.js";
import type { ProcessSpawner, SpawnOutcome, SpawnRequest } from "./process-spawner.js";
import { AnswerDecoder, encodeCancel, encodeRun, FrameTooLargeError, type AnswerFrame } from "./spawn-helper-protocol.js";

/** faultline-spawn beside this module: native/build/ from source, dist/native/build/ once built (what the image ships). */
export function defaultSpawnHelperBinary(): string {
  return fileURLToPath(new URL("./native/build/faultline-spawn", import.meta.url));
}

/** Options of a {@link SpawnHelper}. */
export interface SpawnHelperOptions {
  /** The faultline-spawn binary; default {@link defaultSpawnHelperBinary}. */
  binary?: string;
  /** Runs what the helper cannot: it is not running and cannot be started, it is at capacity, a request too large. Default Node's child_process. */
  fallback?: ProcessSpawner;
  /** The most processes the helper runs at once (1..1024, its `--max-jobs`); past it, runs go to `fallback`. Default 1024. */
  maxJobs?: number;
  /** After this many helper exits within `crashWindowMs`, every run goes to `fallback`. Default 3. */
  maxCrashes?: number;
  /** Default 60 s. */
  crashWindowMs?: number;
  /** A run the helper has not answered this long after its own timeout: the helper is stuck and is killed. Default 5 s. */
  answerGraceMs?: number;
  /** Warnings: the helper's stderr, its exits, the switch to the fallback. */
  logger?: Logger;
}

interface PendingRun {
  request: SpawnRequest;
  resolve: (outcome: SpawnOutcome) => void;
  backstop: NodeJS.Timeout;
  detach: () => void;
}

const signalNames = new Map(Object.entries(osConstants.signals).map(([name, n]) => [n, name]));
/** The helper's own limits (capacity, its descriptor table), not the program's: the fallback may still start it. */
const helperLimits = new Set([osConstants.errno.EAGAIN, osConstants.errno.EMFILE]);
const empty = Buffer.alloc(0);
/** setTimeout's largest delay; a larger one fires at once. */
const maxTimerMs = 2 ** 31 - 1;

/**
 * A {@link ProcessSpawner} that asks one long-running faultline-spawn process (a small static
 * binary: its fork costs a tenth of the daemon's) to start each process, over its stdin and stdout
 * (spawn-helper-protocol.ts). The helper enforces the timeout, the output limit and cancellation
 * itself; a helper that dies takes its running processes with it (they are SIGKILLed: an answer
 * says so) and is started again on the next run, up to `maxCrashes` times a minute, after which
 * runs go to the fallback.
 *
 * @example
 * const helper = new SpawnHelper();
 * const runner = new NamespaceProcessRunner({ spawner: helper });
 * // ... on shutdown:
 * await helper.close();
 */
export class SpawnHelper implements ProcessSpawner {
  private readonly binary: string;
  private readonly fallback: ProcessSpawner;
  private readonly maxJobs: number | undefined;
  private readonly maxCrashes: number;
  private readonly crashWindowMs: number;
  private readonly answerGraceMs: number;
  private readonly logger: Logger | undefined;
  private child: ChildProcessByStdio<Writable, Readable, Readable> | undefined;
  private readonly pending = new Map<number, PendingRun>();
  private nextId = 1;
  private crashes: number[] = [];
  private disabled = false;
  private closed = false;

  constructor(options: SpawnHelperOptions = {}) {
    this.binary = options.binary ?? defaultSpawnHelperBinary();
    this.fallback = options.fallback ?? nodeProcessSpawner;
    if (options.maxJobs !== undefined && !(Number.isInteger(options.maxJobs) && options.maxJobs >= 1 && options.maxJobs <= 1024)) {
      throw new RangeError(`maxJobs must be an integer from 1 to 1024, got ${options.maxJobs}`);
    }
    this.maxJobs = options.maxJobs;
    this.maxCrashes = options.maxCrashes ?? 3;
    this.crashWindowMs = options.crashWindowMs ?? 60_000;
    this.answerGraceMs = options.answerGraceMs ?? 5_000;
    this.logger = options.logger;
  }

  /** Whether `binary` is an executable file (where the daemon decides between the helper and Node's spawn). */
  static usable(binary: string): boolean {
    try {
      accessSync(binary, fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  }

  /** The helper's pid while it runs (tests, diagnostics). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Whether runs now go to the fallback for good (the helper kept dying). */
  get usingFallback(): boolean {
    return this.disabled;
  }

  spawn(request: SpawnRequest): Promise<SpawnOutcome> {
    if (this.closed) return Promise.resolve({ kind: "spawn-failed", message: "the spawn helper is closed", stdout: empty, stderr: empty });
    const child = this.disabled ? undefined : this.started();
    if (child === undefined) return this.fallback.spawn(request);
    const id = this.nextId;
    this.nextId = this.nextId === 0xffffffff ? 1 : this.nextId + 1;
    let frame: Buffer;
    try {
      frame = encodeRun({ id, timeoutMs: Math.min(request.timeoutMs, 0xffffffff), maxOutputBytes: Math.min(request.maxOutputBytes, 0xffffffff), argv: [request.file, ...request.args], input: request.input });
    } catch (err) {
      if (err instanceof FrameTooLargeError) return this.fallback.spawn(request);
      return Promise.resolve({ kind: "spawn-failed", message: (err as Error).message, stdout: empty, stderr: empty });
    }
    return new Promise<SpawnOutcome>((resolve) => {
      const onAbort = () => this.child?.stdin.write(encodeCancel(id));
      request.signal?.addEventListener("abort", onAbort, { once: true });
      // the helper answers a timeout itself; no answer long after it means the helper is stuck
      const backstop = setTimeout(() => {
        this.logger?.error("faultline-spawn did not answer a run after its timeout; killing the helper", { command: [request.file, ...request.args].join(" "), timeoutMs: request.timeoutMs });
        child.kill("SIGKILL");
      }, Math.min(request.timeoutMs + this.answerGraceMs, maxTimerMs));
      this.pending.set(id, { request, resolve, backstop, detach: () => request.signal?.removeEventListener("abort", onAbort) });
      this.refWhileBusy();
      child.stdin.write(frame);
      if (request.signal?.aborted) onAbort();
    });
  }

  /** Ends the helper (it SIGKILLs what it still runs); runs still pending resolve as killed. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once("close", resolve));
    child.stdin.end();
    const force = setTimeout(() => child.kill("SIGKILL"), 2_000);
    await exited;
    clearTimeout(force);
  }

  private started(): ChildProcessByStdio<Writable, Readable, Readable> | undefined {
    if (this.child) return this.child;
    const child = spawn(this.binary, ["serve", ...(this.maxJobs === undefined ? [] : ["--max-jobs", String(this.maxJobs)])], { stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    const decoder = new AnswerDecoder();
    let protocolError: Error | undefined;
    child.stdout.on("data", (chunk: Buffer) => {
      if (protocolError) return;
      let answers: AnswerFrame[];
      try {
        answers = decoder.push(chunk);
      } catch (err) {
        protocolError = err as Error;
        child.kill("SIGKILL");
        return;
      }
      for (const answer of answers) this.settle(answer);
    });
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => this.logger?.warn("faultline-spawn says", { message: text.trim() }));
    child.stdin.on("error", () => undefined); // a helper gone: its exit settles the runs
    child.on("error", (err) => {
      this.logger?.warn("faultline-spawn cannot run; its runs go to Node's child_process", { binary: this.binary, error: err.message });
    });
    child.on("close", (code, signal) => {
      if (this.child === child) this.child = undefined;
      const running = [...this.pending.keys()];
      const why = protocolError?.message ?? (code === null ? `killed by ${signal}` : `exit status ${code}`);
      for (const id of running) {
        const run = this.take(id)!;
        // a helper that never started ran none of them; one that did took its processes with it
        if (child.pid === undefined) void this.fallback.spawn(run.request).then(run.resolve);
        else run.resolve({ kind: "signaled", signal: "SIGKILL", stdout: empty, stderr: Buffer.from(`faultline-spawn ended (${why}) while this ran; the process was SIGKILLed with it\n`) });
      }
      if (this.closed) return;
      const now = Date.now();
      this.crashes = [...this.crashes.filter((t) => now - t < this.crashWindowMs), now];
      this.logger?.warn("faultline-spawn ended; started again on the next run", { reason: why, runsKilled: running.length });
      if (this.crashes.length >= this.maxCrashes) {
        this.disabled = true;
        this.logger?.error("faultline-spawn keeps ending; processes are started with Node's child_process from now on", { crashes: this.crashes.length, windowMs: this.crashWindowMs });
      }
    });
    this.refWhileBusy();
    return child;
  }

  private take(id: number): PendingRun | undefined {
    const run = this.pending.get(id);
    if (!run) return undefined;
    this.pending.delete(id);
    clearTimeout(run.backstop);
    run.detach();
    this.refWhileBusy();
    return run;
  }

  private settle(answer: AnswerFrame): void {
    const run = this.take(answer.id);
    if (!run) return;
    const output = { stdout: answer.stdout, stderr: answer.stderr };
    switch (answer.outcome) {
      case "exited":
        return run.resolve({ kind: "exited", code: answer.value, ...output });
      case "signaled":
        return run.resolve({ kind: "signaled", signal: signalNames.get(answer.value) ?? `signal ${answer.value}`, ...output });
      case "spawn-failed":
        // EAGAIN: the helper runs as many processes as it takes; EMFILE: its descriptors are used up
        if (helperLimits.has(answer.value)) return void this.fallback.spawn(run.request).then(run.resolve);
        return run.resolve({ kind: "spawn-failed", message: `spawn ${run.request.file} ${answer.value > 0 ? getSystemErrorName(-answer.value) : `errno ${answer.value}`}`, ...output });
      default:
        return run.resolve({ kind: answer.outcome, ...output });
    }
  }

  /** The helper keeps this process alive only while it runs something for it. */
  private refWhileBusy(): void {
    const child = this.child;
    if (!child) return;
    const busy = this.pending.size > 0;
    for (const handle of [child, child.stdout, child.stderr, child.stdin] as { ref?: () => void; unref?: () => void }[]) {
      if (busy) handle.ref?.();
      else handle.unref?.();
    }
  }
}
