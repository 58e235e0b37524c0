import type { Logger } from "winston";
import { nodeProcessSpawner } from "./node-process-spawner.js";
import type { ProcessSpawner } from "./process-spawner.js";

/** A Linux namespace of a target process, named as nsenter's flags name them. */
export type NamespaceKind = "mnt" | "pid" | "net" | "ipc" | "uts";

const nsenterFlags: Record<NamespaceKind, string> = {
  mnt: "-m",
  pid: "-p",
  net: "-n",
  ipc: "-i",
  uts: "-u",
};

/** What to run, and in which namespaces of which process. */
export interface NamespaceProcessRequest {
  /** Host pid whose namespaces to enter. */
  pid: number;
  /** Namespaces to enter; at least one. */
  namespaces: readonly NamespaceKind[];
  /** The program and its arguments, passed as an argv array (never through a shell of ours). */
  argv: readonly string[];
  /** Kill the process after this long; defaults to the runner's timeout. */
  timeoutMs?: number;
  /** Cancels the process (for example when the RPC that asked for it is cancelled). */
  signal?: AbortSignal;
  /** Written to the process's stdin, which is then closed (for `ipset restore`, `iptables-restore`); default: no stdin. */
  input?: string;
}

/** The outcome of a process that ran to its end. */
export interface NamespaceProcessResult {
  /** The full command line that ran, nsenter included. */
  command: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** The process could not start, ended with a non-zero status, was killed, or timed out. */
export class NamespaceProcessError extends Error {
  constructor(
    message: string,
    readonly command: readonly string[],
    readonly reason: "spawn-failed" | "exit-status" | "timeout" | "cancelled" | "output-too-large",
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "NamespaceProcessError";
  }
}

/** Options for a {@link NamespaceProcessRunner}. */
export interface NamespaceProcessRunnerOptions {
  /** Path of nsenter (util-linux); default "nsenter" from PATH. */
  nsenterPath?: string;
  /** Default timeout per process; default 10 s. */
  timeoutMs?: number;
  /** Output beyond this many bytes (stdout + stderr) kills the process; default 4 MiB. */
  maxOutputBytes?: number;
  /** Logs each command line before it runs (info level). */
  logger?: Logger;
  /** Starts the processes; default: Node's child_process ({@link nodeProcessSpawner}). The daemon passes its SpawnHelper. */
  spawner?: ProcessSpawner;
}

/**
 * Runs a program inside the namespaces of another process with nsenter, from an argv array,
 * with a timeout and captured output. Request data can only ever become separate argv entries:
 * nothing is interpolated into a shell command line.
 *
 * @example
 * const runner = new NamespaceProcessRunner();
 * const { stdout } = await runner.run({ pid, namespaces: ["mnt"], argv: ["ps", "aux"] });
 */
export class NamespaceProcessRunner {
  private readonly nsenterPath: string;
  private readonly timeoutMs: number;
  private readonly maxOutputBytes: number;
  private readonly logger: Logger | undefined;
  private readonly spawner: ProcessSpawner;

  constructor(options: NamespaceProcessRunnerOptions = {}) {
    this.nsenterPath = options.nsenterPath ?? "nsenter";
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
    this.logger = options.logger;
    this.spawner = options.spawner ?? nodeProcessSpawner;
  }

  /** The argv that {@link run} executes for a request; validates the request. */
  buildCommand(request: NamespaceProcessRequest): string[] {
    const { pid, namespaces, argv } = request;
    if (!Number.isSafeInteger(pid) || pid <= 0) {
      throw new TypeError(`pid must be a positive integer, got ${JSON.stringify(pid)}`);
    }
    if (namespaces.length === 0) throw new TypeError("at least one namespace must be entered");
    for (const ns of namespaces) {
      if (!Object.hasOwn(nsenterFlags, ns)) throw new TypeError(`unknown namespace ${JSON.stringify(ns)}`);
    }
    if (argv.length === 0 || argv[0] === "") throw new TypeError("argv must name a program");
    for (const arg of argv) {
      if (typeof arg !== "string" || arg.includes("\0")) {
        throw new TypeError(`argv entries must be strings without NUL bytes, got ${JSON.stringify(arg)}`);
      }
    }
    const flags = [...new Set(namespaces)].map((ns) => nsenterFlags[ns]);
    return [this.nsenterPath, "-t", String(pid), ...flags, "--", ...argv];
  }

  /** Runs the request's program in the namespaces; resolves when it exits with status 0. */
  async run(request: NamespaceProcessRequest): Promise<NamespaceProcessResult> {
    const command = this.buildCommand(request);
    // setTimeout's largest delay (about 24.8 days); a larger one would fire at once
    const timeoutMs = Math.min(request.timeoutMs ?? this.timeoutMs, 2 ** 31 - 1);
    this.logger?.info("build command", { command: command.join(" ") });
    const started = performance.now();
    const [file, ...args] = command as [string, ...string[]];
    const outcome = await this.spawner.spawn({ file, args, input: request.input, timeoutMs, maxOutputBytes: this.maxOutputBytes, signal: request.signal });
    if (outcome.kind === "spawn-failed") {
      throw new NamespaceProcessError(`cannot run ${file}: ${outcome.message}`, command, "spawn-failed", null, "");
    }
    const out = outcome.stdout.toString("utf8");
    const err = outcome.stderr.toString("utf8");
    const durationMs = performance.now() - started;
    switch (outcome.kind) {
      case "timeout":
      case "cancelled":
      case "output-too-large": {
        const what = {
          timeout: `timed out after ${timeoutMs} ms`,
          cancelled: "was cancelled",
          "output-too-large": `wrote more than ${this.maxOutputBytes} bytes`,
        }[outcome.kind];
        throw new NamespaceProcessError(`${command.join(" ")} ${what}`, command, outcome.kind, null, err);
      }
      case "signaled":
      case "exited": {
        if (outcome.kind === "exited" && outcome.code === 0) break;
        const status = outcome.kind === "signaled" ? `was killed by ${outcome.signal}` : `exited with status ${outcome.code}`;
        const detail = err.trim() ? `: ${err.trim().slice(0, 500)}` : "";
        throw new NamespaceProcessError(`${command.join(" ")} ${status}${detail}`, command, "exit-status", outcome.kind === "exited" ? outcome.code : null, err);
      }
    }
    return { command, exitCode: 0, stdout: out, stderr: err, durationMs };
  }
}
