// Runs one of the kinds' native helpers (faultline-time-skew, faultline-iofs, faultline-fd-swap):
// argv only (execFile, never a shell), its output collected, and stopped when it does not answer in
// time or the caller aborts — by SIGKILL, or by SIGTERM first for a helper that stops at a safe point.
import { execFile } from "node:child_process";

/** What a helper answered: its exit code (0, or its own non-zero code) and its output. */
export interface NativeHelperResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunNativeHelperOptions {
  /** Stop it after this long without an answer (ms). */
  stopAfterMs: number;
  /** Stops it as the timeout does; the run then rejects as aborted. */
  signal?: AbortSignal;
  /**
   * Unset: SIGKILL at the timeout or on abort. Set: SIGTERM then (the helper finishes what it must
   * not leave half done, still prints its lines and exits), SIGKILL only this many ms later.
   */
  termGraceMs?: number;
  /** What its errors name: the binary, or the binary and its command. */
  label: string;
  /** The wrapper's own error class. */
  error: new (message: string) => Error;
}

/**
 * Runs `binary argv…`. Resolves with any exit code (the helpers answer 1 for per-process errors and
 * 2 for bad usage, with their lines); rejects when it was aborted, killed by a signal, or could not
 * be started at all.
 *
 * @example
 * const { code, stdout } = await runNativeHelper(binary, ["status", "42"], { stopAfterMs: 7000, label: `${binary} status`, error: TimeSkewHelperError });
 */
export function runNativeHelper(binary: string, argv: readonly string[], options: RunNativeHelperOptions): Promise<NativeHelperResult> {
  const { stopAfterMs, signal, termGraceMs, label, error: HelperError } = options;
  return new Promise((resolve, reject) => {
    let hard: NodeJS.Timeout | undefined;
    const stop = () => {
      if (termGraceMs === undefined) return void child.kill("SIGKILL");
      child.kill("SIGTERM");
      hard ??= setTimeout(() => child.kill("SIGKILL"), termGraceMs);
    };
    const timer = setTimeout(stop, stopAfterMs);
    const child = execFile(binary, [...argv], { maxBuffer: 16 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
      clearTimeout(timer);
      if (hard !== undefined) clearTimeout(hard);
      signal?.removeEventListener("abort", stop);
      if (signal?.aborted) return reject(new HelperError(`${label}: aborted`));
      if (!error) return resolve({ code: 0, stdout, stderr });
      const e = error as NodeJS.ErrnoException & { code?: number | string; signal?: string | null };
      if (typeof e.code === "number") return resolve({ code: e.code, stdout, stderr });
      if (e.signal) return reject(new HelperError(`${label}: killed by ${e.signal} (no answer within ${stopAfterMs} ms)`));
      reject(new HelperError(`${binary}: cannot run: ${e.message}`));
    });
    if (signal?.aborted) stop();
    else signal?.addEventListener("abort", stop, { once: true });
  });
}
