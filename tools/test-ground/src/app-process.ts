import { spawn, type ChildProcess } from "node:child_process";
import { requireRealParts } from "./test-tier.js";

/** One line of an app's JSON log. */
export type LogLine = { [key: string]: unknown; message?: string };

/** A Faultline app (daemon, manager) running as a real child process, with its JSON log. */
export interface AppProcess {
  process: ChildProcess;
  lines: LogLine[];
  stderr(): string;
  /** Resolves with the first log line matching, waiting for it if needed. */
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Starts `node <main> --log-format json ...args` and resolves once a log line matches `ready`.
 * Rejects with its stderr if it exits first; kills it if it is not ready in time.
 */
export async function startAppProcess(main: string, args: string[], ready: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<AppProcess> {
  requireRealParts(`the app ${main}`);
  const child = spawn(process.execPath, [main, "--log-format", "json", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: LogLine[] = [];
  let stderr = "";
  let partial = "";
  const waiters = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split("\n");
    partial = complete.pop()!;
    for (const line of complete.filter(Boolean)) {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ message: line });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      resolve({ code, signal });
      for (const w of waiters) w();
    }),
  );
  const waitFor = (predicate: (line: LogLine) => boolean, waitMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`${main} exited (${child.exitCode ?? child.signalCode}): ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching log line from ${main} in ${waitMs} ms; stderr: ${stderr}; last lines: ${JSON.stringify(lines.slice(-5))}`));
      }, waitMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const signalAndWait = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  const app: AppProcess = {
    process: child,
    lines,
    stderr: () => stderr,
    waitFor,
    exited,
    stop: () => signalAndWait("SIGTERM"),
    kill: () => signalAndWait("SIGKILL"),
  };
  try {
    await waitFor(ready, timeoutMs);
  } catch (error) {
    await app.kill(); // never leave a process behind that nobody holds a handle to
    throw error;
  }
  return app;
}

/** Runs an app expecting it to fail at startup; resolves with its exit code and stderr. */
export function runAppExpectingFailure(main: string, args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stderr: string }> {
  requireRealParts(`the app ${main}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, "--log-format", "json", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
