/** How long to wait before the next attempt: `baseMs · 2^attempt`, capped at `maxMs`. */
export interface ExponentialBackoff {
  /** Delay before the first retry (attempt 0). */
  baseMs: number;
  /** The longest delay, however many attempts failed. */
  maxMs: number;
  /**
   * Fraction of the delay added at random (0 to `jitter · delay`), so that many clients failing
   * together do not retry together. Default 0.
   */
  jitter?: number;
}

/**
 * The delay before retry number `attempt` (0-based) under `backoff`.
 *
 * @example
 * exponentialBackoffDelay(3, { baseMs: 5, maxMs: 1000 }); // 40
 */
export function exponentialBackoffDelay(attempt: number, backoff: ExponentialBackoff): number {
  const exponent = Math.min(Math.max(attempt, 0), 52);
  const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  const jitter = backoff.jitter ?? 0;
  return jitter > 0 ? Math.min(backoff.maxMs, delay + Math.random() * jitter * delay) : delay;
}
