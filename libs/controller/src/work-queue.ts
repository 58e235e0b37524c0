import type { Registry } from "prom-client";
import { exponentialBackoffDelay, type ExponentialBackoff } from "./exponential-backoff.js";
import { errorFields, silentLogger, type Logger } from "./logger.js";
import { workQueueMetrics, type WorkQueueMetrics } from "./work-queue-metrics.js";

/** What a reconcile asks of the queue once it succeeded (controller-runtime's `reconcile.Result`). */
export interface ReconcileResult {
  /** Process the key again after this many milliseconds (its error backoff is reset). */
  requeueAfterMs?: number;
  /** Process the key again with the error backoff, as if it had failed, without logging an error. */
  requeue?: boolean;
}

/**
 * Processes one key: reads the world, compares it with the desired state, acts. Throwing puts the
 * key back with per-key exponential backoff. `signal` aborts when the queue's shutdown grace
 * period ends.
 */
export type Reconcile<K> = (key: K, signal: AbortSignal) => Promise<ReconcileResult | void> | ReconcileResult | void;

/** Options of a {@link WorkQueue}. */
export interface WorkQueueOptions<K> {
  /** The queue's name: the `name` label of its metrics and the `queue` field of its log lines. */
  name: string;
  /** What a worker does with a key. */
  reconcile: Reconcile<K>;
  /** How many keys are processed at once (never the same key twice at once). Default 1. */
  workers?: number;
  /**
   * The identity of a key: keys with the same string are the same key (deduplicated, never
   * processed concurrently). Default: strings as they are, anything else through `JSON.stringify`
   * — pass `objectKeyString` for {@link ObjectKey}s.
   */
  keyString?: (key: K) => string;
  /** Backoff between retries of a key that keeps failing. Default 5 ms doubling to 1000 s, as controller-runtime. */
  backoff?: ExponentialBackoff;
  /** Where to register the queue's metrics (see {@link workQueueMetrics}). Default: no metrics. */
  registry?: Registry;
  logger?: Logger;
}

/** Options of {@link WorkQueue.shutdown}. */
export interface ShutdownOptions {
  /**
   * How long in-flight reconciles may run before their `signal` aborts (the queue still waits for
   * them to return). Default: never abort.
   */
  graceMs?: number;
}

const defaultBackoff: ExponentialBackoff = { baseMs: 5, maxMs: 1_000_000 };

interface Entry<K> {
  key: K;
  /** When the key last became ready to process (for the queue-duration metric). */
  readyAt: number;
}

/**
 * A keyed work queue with workers, with controller-runtime's semantics:
 * - a key waiting to be processed is held once, however often it is added;
 * - a key is never processed by two workers at once; a key added while it is being processed is
 *   processed again once the current run ends;
 * - a reconcile that throws puts its key back after a per-key exponential backoff (reset when the
 *   key succeeds), `addAfter` delays a key;
 * - `shutdown()` stops the workers and resolves once in-flight reconciles have returned (keys
 *   still waiting are dropped: reconcilers are level-based, the next leader or start catches up).
 *
 * Workers start with `start()`, so an informer may fill the queue before, say, leadership is won.
 *
 * @example
 * const queue = new WorkQueue<ObjectKey>({ name: "helloworldchaos", workers: 4, keyString: objectKeyString,
 *   reconcile: async (key) => { await reconcileChaos(key); } });
 * queue.start();
 * queue.add({ namespace: "busybox", name: "hello" });
 * await queue.shutdown();
 */
export class WorkQueue<K> {
  readonly name: string;
  private readonly reconcile: Reconcile<K>;
  private readonly workerCount: number;
  private readonly keyString: (key: K) => string;
  private readonly backoff: ExponentialBackoff;
  private readonly metrics: WorkQueueMetrics | undefined;
  private readonly logger: Logger;

  /** Keys that are ready and wait for a worker, in order; never one that is processing. */
  private readonly ready = new Map<string, Entry<K>>();
  /** Keys being processed now. */
  private readonly processing = new Set<string>();
  /** Keys added while they were processing: processed again when the current run ends. */
  private readonly dirtyWhileProcessing = new Map<string, Entry<K>>();
  /** Keys waiting for a delay, with when they become ready. */
  private readonly delayed = new Map<string, { key: K; at: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly idleWorkers: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private readonly abortInFlight = new AbortController();
  private workers: Promise<void>[] = [];
  private shuttingDown = false;

  constructor(options: WorkQueueOptions<K>) {
    this.name = options.name;
    this.reconcile = options.reconcile;
    this.workerCount = Math.max(1, options.workers ?? 1);
    this.keyString = options.keyString ?? ((key) => (typeof key === "string" ? key : JSON.stringify(key)));
    this.backoff = options.backoff ?? defaultBackoff;
    this.metrics = options.registry ? workQueueMetrics(options.registry) : undefined;
    this.logger = options.logger ?? silentLogger();
  }

  /** Starts the workers (once; later calls do nothing). */
  start(): void {
    if (this.workers.length > 0 || this.shuttingDown) return;
    for (let i = 0; i < this.workerCount; i++) this.workers.push(this.work());
  }

  /** Queues `key` now, unless it is already waiting. Ignored after shutdown. */
  add(key: K): void {
    if (this.shuttingDown) return;
    const id = this.keyString(key);
    const delayed = this.delayed.get(id);
    if (delayed) {
      clearTimeout(delayed.timer);
      this.delayed.delete(id);
    }
    if (this.ready.has(id) || this.dirtyWhileProcessing.has(id)) return;
    this.metrics?.adds.inc({ name: this.name });
    const entry = { key, readyAt: performance.now() };
    if (this.processing.has(id)) {
      this.dirtyWhileProcessing.set(id, entry);
      return;
    }
    this.ready.set(id, entry);
    this.updateDepth();
    this.idleWorkers.shift()?.();
  }

  /**
   * Queues `key` after `ms` milliseconds. A key already waiting (now or sooner) keeps its earlier
   * time; a later `addAfter` never postpones it.
   */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const id = this.keyString(key);
    if (this.ready.has(id)) return;
    const at = performance.now() + ms;
    const existing = this.delayed.get(id);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(id);
      this.add(key);
    }, ms);
    this.delayed.set(id, { key, at, timer });
  }

  /** Queues `key` after its backoff, and counts one more failure for it. */
  addRateLimited(key: K): void {
    if (this.shuttingDown) return;
    const id = this.keyString(key);
    const attempt = this.failures.get(id) ?? 0;
    this.failures.set(id, attempt + 1);
    this.metrics?.retries.inc({ name: this.name });
    this.addAfter(key, exponentialBackoffDelay(attempt, this.backoff));
  }

  /**
   * Retries at once every key that is waiting for its error backoff, and resets those backoffs.
   * For when the cause of a run of failures is known to be over — typically the API server came
   * back (see `ResilientWatchOptions.onRecovered`): a backoff that grew during an outage would
   * otherwise hold a key for about as long as the outage lasted. Keys delayed by `addAfter`
   * without failures keep their time. Answers how many keys were brought forward.
   */
  retryFailedNow(): number {
    if (this.shuttingDown) return 0;
    let moved = 0;
    for (const [id, waiting] of [...this.delayed]) {
      if ((this.failures.get(id) ?? 0) === 0) continue;
      this.failures.delete(id);
      this.add(waiting.key);
      moved++;
    }
    // keys failing now, in flight: their next failure starts from the first backoff step
    for (const id of this.processing) this.failures.delete(id);
    if (moved > 0) this.logger.info("retrying failed keys now", { queue: this.name, keys: moved });
    return moved;
  }

  /** Resets `key`'s backoff (done after each successful reconcile). */
  forget(key: K): void {
    this.failures.delete(this.keyString(key));
  }

  /** How many times in a row `key` has failed. */
  failureCount(key: K): number {
    return this.failures.get(this.keyString(key)) ?? 0;
  }

  /** Keys ready and waiting for a worker. */
  get depth(): number {
    return this.ready.size;
  }

  /** Keys being processed now. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Keys waiting for a delay or a backoff. */
  get delayedCount(): number {
    return this.delayed.size;
  }

  /** Resolves when no key is ready or processing (keys waiting for a delay do not count). */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking keys: adds are ignored from now on, delayed keys and waiting keys are dropped,
   * and the promise resolves when every in-flight reconcile has returned.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const { timer } of this.delayed.values()) clearTimeout(timer);
      this.delayed.clear();
      this.ready.clear();
      this.dirtyWhileProcessing.clear();
      this.updateDepth();
      for (const wake of this.idleWorkers.splice(0)) wake();
    }
    const grace =
      options.graceMs === undefined ? undefined : setTimeout(() => this.abortInFlight.abort(new Error(`work queue ${this.name} shut down`)), options.graceMs);
    try {
      await Promise.all(this.workers);
    } finally {
      clearTimeout(grace);
    }
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.ready.size === 0 && this.processing.size === 0;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private updateDepth(): void {
    this.metrics?.depth.set({ name: this.name }, this.ready.size);
  }

  private async next(): Promise<[string, Entry<K>] | undefined> {
    for (;;) {
      if (this.shuttingDown) return undefined;
      const first = this.ready.entries().next();
      if (!first.done) {
        this.ready.delete(first.value[0]);
        this.updateDepth();
        return first.value;
      }
      await new Promise<void>((resolve) => this.idleWorkers.push(resolve));
    }
  }

  private async work(): Promise<void> {
    for (;;) {
      const item = await this.next();
      if (!item) return;
      const [id, { key, readyAt }] = item;
      this.processing.add(id);
      const started = performance.now();
      this.metrics?.queueDuration.observe({ name: this.name }, (started - readyAt) / 1000);
      try {
        const result = await this.reconcile(key, this.abortInFlight.signal);
        if (result?.requeue) {
          this.addRateLimited(key);
        } else {
          this.forget(key);
          if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
        }
      } catch (error) {
        this.logger.error("reconcile failed", { queue: this.name, key: id, attempt: this.failureCount(key) + 1, ...errorFields(error) });
        this.addRateLimited(key);
      } finally {
        this.metrics?.workDuration.observe({ name: this.name }, (performance.now() - started) / 1000);
        this.processing.delete(id);
        const again = this.dirtyWhileProcessing.get(id);
        if (again) {
          this.dirtyWhileProcessing.delete(id);
          if (!this.shuttingDown) {
            this.ready.set(id, again);
            this.updateDepth();
            this.idleWorkers.shift()?.();
          }
        }
        this.notifyIdle();
      }
    }
  }
}
