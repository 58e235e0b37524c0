import { abortableDelay } from "./abortable-delay.js";

/** Options of a {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate: tokens added per second (client-go's `QPS`). */
  qps: number;
  /** Bucket size: how many calls may go at once after a quiet spell (client-go's `Burst`). */
  burst: number;
}

/**
 * A token bucket, client-go's client-side rate limiter: `burst` calls may go at once, after that
 * calls go at `qps` per second. Waiters are served in arrival order.
 *
 * @example
 * const bucket = new TokenBucket({ qps: 20, burst: 30 }); // the manager's defaults
 * await bucket.take();
 * await api.readNamespacedPod({ namespace, name });
 */
export class TokenBucket {
  readonly qps: number;
  readonly burst: number;
  private tokens: number;
  private updatedAt = performance.now();

  constructor(options: TokenBucketOptions) {
    if (!(options.qps > 0)) throw new RangeError(`TokenBucket: qps must be > 0, got ${options.qps}`);
    if (!(options.burst >= 1)) throw new RangeError(`TokenBucket: burst must be >= 1, got ${options.burst}`);
    this.qps = options.qps;
    this.burst = Math.floor(options.burst);
    this.tokens = this.burst;
  }

  /**
   * Takes one token, waiting for it when the bucket is empty. When `signal` aborts while waiting,
   * the token is given back and the promise rejects with the signal's reason.
   */
  async take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.refill();
    this.tokens -= 1; // a reservation: later callers queue behind this one
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.qps) * 1000;
    await abortableDelay(waitMs, signal);
    if (signal?.aborted) {
      this.tokens += 1;
      throw signal.reason;
    }
  }

  /** Takes a token if one is there now, without waiting. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens there now (negative while callers are waiting for reserved tokens). */
  get available(): number {
    this.refill();
    return this.tokens;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.qps);
    this.updatedAt = now;
  }
}
