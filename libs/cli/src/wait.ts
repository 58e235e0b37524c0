// Polling until something holds, ended by a deadline or Ctrl-C.
import { CliError, type CliIo } from "./cli-io.js";

export class WaitTimeout extends CliError {}

/** Sleeps `ms`, or less when the user presses Ctrl-C (then throws "interrupted", exit 130). */
export async function pause(io: CliIo, ms: number): Promise<void> {
  let interrupted = false;
  await Promise.race([new Promise((r) => setTimeout(r, ms)), io.interrupted.then(() => (interrupted = true))]);
  if (interrupted) throw new CliError("interrupted", 130);
}

/**
 * Calls `check` every `intervalMs` until it returns a value (not undefined); throws
 * {@link WaitTimeout} with `timeoutMessage()` after `timeoutMs`.
 */
export async function pollUntil<T>(io: CliIo, options: { timeoutMs: number; intervalMs?: number; timeoutMessage: () => string }, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new WaitTimeout(options.timeoutMessage());
    await pause(io, Math.min(options.intervalMs ?? 500, Math.max(0, deadline - Date.now())));
  }
}

/** Now as RFC 3339 at whole seconds (what a manager writing seconds compares with ≥). */
export function nowSeconds(now: Date = new Date()): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
