import { spawn } from "node:child_process";
import type { Logger } from "winston";

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

  constructor(options: NamespaceProcessRunnerOptions = {}) {
    this.nsenterPath = options.nsenterPath ?? "nsenter";
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxOutputBytes = options.maxOutputBytes ?? 4 * 1024 * 1024;
    this.logger = options.logger;
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
  run(request: NamespaceProcessRequest): Promise<NamespaceProcessResult> {
    const command = this.buildCommand(request);
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    this.logger?.info("build command", { command: command.join(" ") });
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const [file, ...args] = command as [string, ...string[]];
      // detached: its own process group, so a timeout kills nsenter and what it forked
      const child = spawn(file, args, { stdio: [request.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], detached: true, shell: false });
      if (request.input !== undefined && child.stdin) {
        child.stdin.on("error", () => undefined); // a process that exits without reading: its status tells
        child.stdin.end(request.input);
      }
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let outputBytes = 0;
      let failure: NamespaceProcessError["reason"] | undefined;
      const killGroup = (reason: NamespaceProcessError["reason"]) => {
        failure ??= reason;
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      };
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        outputBytes += chunk.length;
        if (outputBytes > this.maxOutputBytes) killGroup("output-too-large");
        else into.push(chunk);
      };
      child.stdout!.on("data", collect(stdout));
      child.stderr!.on("data", collect(stderr));
      const timer = setTimeout(() => killGroup("timeout"), timeoutMs);
      const onAbort = () => killGroup("cancelled");
      request.signal?.addEventListener("abort", onAbort, { once: true });
      if (request.signal?.aborted) onAbort();
      const finish = () => {
        clearTimeout(timer);
        request.signal?.removeEventListener("abort", onAbort);
      };
      child.on("error", (err) => {
        finish();
        reject(new NamespaceProcessError(`cannot run ${file}: ${err.message}`, command, "spawn-failed", null, ""));
      });
      child.on("close", (code, signal) => {
        finish();
        const out = Buffer.concat(stdout).toString("utf8");
        const err = Buffer.concat(stderr).toString("utf8");
        const durationMs = performance.now() - started;
        if (failure !== undefined) {
          const what = {
            timeout: `timed out after ${timeoutMs} ms`,
            cancelled: "was cancelled",
            "output-too-large": `wrote more than ${this.maxOutputBytes} bytes`,
          }[failure as "timeout" | "cancelled" | "output-too-large"];
          reject(new NamespaceProcessError(`${command.join(" ")} ${what}`, command, failure, null, err));
        } else if (code !== 0) {
          const status = code === null ? `was killed by ${signal}` : `exited with status ${code}`;
          const detail = err.trim() ? `: ${err.trim().slice(0, 500)}` : "";
          reject(new NamespaceProcessError(`${command.join(" ")} ${status}${detail}`, command, "exit-status", code, err));
        } else {
          resolve({ command, exitCode: 0, stdout: out, stderr: err, durationMs });
        }
      });
    });
  }
}
