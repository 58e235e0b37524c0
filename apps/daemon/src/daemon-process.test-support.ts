// Test support: runs the built daemon (dist/main.js) as a real child process and reads its JSON log.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export const daemonMain = fileURLToPath(new URL("../dist/main.js", import.meta.url));

export type LogLine = Record<string, unknown> & { message?: string };

export interface DaemonProcess {
  process: ChildProcess;
  lines: LogLine[];
  stderr: () => string;
  waitFor(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts the daemon with the given flags (JSON logs); resolves once it is serving. */
export async function startDaemon(args: string[]): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [daemonMain, "--log-format", "json", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: LogLine[] = [];
  let stderr = "";
  const waiters = new Set<() => void>();
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    const complete = partial.split("\n");
    partial = complete.pop()!;
    for (const line of complete.filter(Boolean)) {
      try {
        lines.push(JSON.parse(line));
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
  const waitFor = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = lines.find(predicate);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`daemon exited (${child.exitCode ?? child.signalCode}): ${stderr}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching daemon log line in ${timeoutMs} ms; stderr: ${stderr}; log: ${JSON.stringify(lines.slice(-5))}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const daemon: DaemonProcess = {
    process: child,
    lines,
    stderr: () => stderr,
    waitFor,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
  await waitFor((l) => l.message === "faultline daemon serving");
  return daemon;
}

/** Runs the daemon expecting it to fail at startup; resolves with its exit code and stderr. */
export function runDaemonExpectingFailure(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [daemonMain, "--log-format", "json", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
