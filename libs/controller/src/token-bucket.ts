/** Options of a {@link TokenBucket}. */
export interface TokenBucketOptions {
  /** Sustained rate: tokens added per second (client-go's `QPS`). */
  qps: number;
  /** Bucket size: how many calls may go at once after a quiet spell (client-go's `Burst`). */
  burst: number;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

function checkOptions(options: TokenBucketOptions): void {
  if (!(options.qps > 0) || !Number.isFinite(options.qps)) throw new RangeError(`TokenBucket: qps must be > 0, got ${options.qps}`);
  if (!(options.burst >= 1) || !Number.isFinite(options.burst)) throw new RangeError(`TokenBucket: burst must be >= 1, got ${options.burst}`);
}

// a token "there" despite float rounding of elapsed time × qps
const epsilon = 1e-9;

/**
 * A token bucket, client-go's client-side rate limiter: `burst` calls may go at once, after that
 * calls go at `qps` per second. Waiters are served in arrival order. The rate can be changed while
 * it runs ({@link setRate}): callers already waiting are then served at the new rate.
 *
 * @example
 * const bucket = new TokenBucket({ qps: 20, burst: 30 }); // the manager's defaults
 * await bucket.take();
 * await api.readNamespacedPod({ namespace, name });
 */
export class TokenBucket {
  private rate: number;
  private size: number;
  private tokens: number;
  private updatedAt = performance.now();
  private readonly waiters: Waiter[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: TokenBucketOptions) {
    checkOptions(options);
    this.rate = options.qps;
    this.size = Math.floor(options.burst);
    this.tokens = this.size;
  }

  /** Sustained rate now, tokens per second. */
  get qps(): number {
    return this.rate;
  }

  /** Bucket size now. */
  get burst(): number {
    return this.size;
  }

  /**
   * Changes the rate from now on (tokens earned until now are counted at the old rate). Callers
   * already waiting keep their place in line and are served at the new rate: a higher `qps` wakes
   * them sooner, a lower one later. A larger `burst` lets more tokens accumulate from now on; it
   * adds none at once (as Go's `rate.Limiter.SetBurst`), a smaller one drops the tokens above it.
   */
  setRate(options: TokenBucketOptions): void {
    checkOptions(options);
    this.refill();
    this.rate = options.qps;
    this.size = Math.floor(options.burst);
    this.tokens = Math.min(this.tokens, this.size);
    this.schedule();
  }

  /**
   * Takes one token, waiting for it when the bucket is empty (or others wait before this caller).
   * When `signal` aborts while waiting, the caller leaves the line and the promise rejects with
   * the signal's reason.
   */
  take(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1 - epsilon) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, ...(signal && { signal }) };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter);
          if (index < 0) return;
          this.waiters.splice(index, 1);
          reject(signal.reason);
          this.schedule();
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
      this.schedule();
    });
  }

  /** Takes a token if one is there now and nobody waits, without waiting. */
  tryTake(): boolean {
    this.refill();
    if (this.waiters.length > 0 || this.tokens < 1 - epsilon) return false;
    this.tokens -= 1;
    return true;
  }

  /** Tokens there now, less one per waiting caller (negative while callers wait). */
  get available(): number {
    this.refill();
    return this.tokens - this.waiters.length;
  }

  /** Callers waiting for a token now. */
  get waiting(): number {
    return this.waiters.length;
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(this.size, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
  }

  /** Serves the waiters whose tokens are there, and sets one timer for the next (at the current rate). */
  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.refill();
    while (this.waiters.length > 0 && this.tokens >= 1 - epsilon) {
      this.tokens -= 1;
      const waiter = this.waiters.shift()!;
      if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
    }
    if (this.waiters.length === 0) return;
    const waitMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.rate) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.schedule();
    }, waitMs);
  }
}
