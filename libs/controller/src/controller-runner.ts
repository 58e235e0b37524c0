import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type { ExponentialBackoff } from "./exponential-backoff.js";
import type { Logger } from "./logger.js";
import type { ManagedController, WatchedResource } from "./managed-controller.js";
import type { Informer } from "./informer.js";
import { InformerSet } from "./informer-set.js";
import { objectKeyString, type ObjectKey } from "./object-key.js";
import type { TokenBucket } from "./token-bucket.js";
import { WorkQueue } from "./work-queue.js";

/** Options of a {@link ControllerRunner}. */
export interface ControllerRunnerOptions {
  kubeConfig: KubeConfig;
  controllers: readonly ManagedController[];
  /** Workers per controller's queue; default 4. */
  workers?: number;
  /** Each queue's retry backoff after a failed reconcile; default the work queue's. */
  backoff?: ExponentialBackoff;
  /** The client's rate limiter, shared with the rest of the process. */
  rateLimiter?: TokenBucket;
  /** Re-list period of each watch; default 10 minutes (with `informers`, the set's). */
  resyncPeriodMs?: number;
  /**
   * The process's shared caches: the runner registers its queues' handlers on their informers
   * instead of watching on its own, and whoever made the set stops it (`start()` here starts it
   * too; `stop()` leaves a set passed in running). Default: a set of the runner's own.
   */
  informers?: InformerSet;
  registry?: Registry;
  logger?: Logger;
}

type OwnedObject = KubernetesObject;

/**
 * Runs {@link ManagedController}s: one work queue per controller, one informer per resource (from
 * an {@link InformerSet}, shared with every other reader of that resource), and owner queuing: a change of an owned
 * object queues its controlling owner. Started while leading, stopped on shutdown.
 *
 * @example
 * const runner = new ControllerRunner({ kubeConfig, controllers: [scheduleController] });
 * await runner.start();
 */
export class ControllerRunner {
  private readonly queues = new Map<ManagedController, WorkQueue<ObjectKey>>();
  private readonly informers: InformerSet;
  private readonly ownsInformers: boolean;
  private readonly watched = new Set<Informer<OwnedObject>>();

  constructor(options: ControllerRunnerOptions) {
    this.ownsInformers = !options.informers;
    this.informers =
      options.informers ??
      new InformerSet({
        kubeConfig: options.kubeConfig,
        ...(options.resyncPeriodMs !== undefined && { resyncPeriodMs: options.resyncPeriodMs }),
        ...(options.rateLimiter && { rateLimiter: options.rateLimiter }),
        ...(options.registry && { registry: options.registry }),
        ...(options.logger && { logger: options.logger }),
      });
    const on = (resource: WatchedResource, handler: (object: OwnedObject, key: ObjectKey) => void) => {
      const informer = this.informers.informer<OwnedObject>(resource);
      if (!this.watched.has(informer)) {
        this.watched.add(informer);
        informer.addRecoveredHandler(() => this.retryFailedNow());
      }
      informer.addHandler((event) => handler(event.object, event.key));
    };
    for (const controller of options.controllers) {
      const queue = new WorkQueue<ObjectKey>({
        name: controller.name,
        workers: options.workers ?? 4,
        keyString: objectKeyString,
        ...(options.backoff && { backoff: options.backoff }),
        ...(options.registry && { registry: options.registry }),
        ...(options.logger && { logger: options.logger }),
        reconcile: (key, signal) => controller.reconcile(key, signal),
      });
      this.queues.set(controller, queue);
      on(controller.resource, (_object, key) => queue.add(key));
      for (const owned of controller.owns ?? []) {
        on(owned, (object) => {
          for (const ref of object.metadata?.ownerReferences ?? []) {
            if (ref.controller === true && ref.kind === controller.resource.kind && ref.name !== undefined) {
              queue.add({ namespace: object.metadata?.namespace ?? "", name: ref.name });
            }
          }
        });
      }
    }
  }

  /** Starts the queues and the watches; resolves once every watch has listed. */
  async start(): Promise<void> {
    for (const queue of this.queues.values()) queue.start();
    await this.informers.start();
  }

  /** Whether every watch has listed once (for readiness). */
  get hasSynced(): boolean {
    return [...this.watched].every((w) => w.hasSynced);
  }

  /** Keys waiting for a worker in every controller's queue (the manager's status shows it). */
  get queueDepth(): number {
    let depth = 0;
    for (const queue of this.queues.values()) depth += queue.depth;
    return depth;
  }

  /**
   * Retries every queue's failed keys now instead of after their backoff: for a watch outside the
   * runner (the manager's pod cache) whose recovery means the API server answers again.
   */
  retryFailedNow(): void {
    for (const queue of this.queues.values()) queue.retryFailedNow();
  }

  /** Queues a controller's object, as a watch event would (for tests and for time-based triggers). */
  enqueue(controller: ManagedController, key: ObjectKey): void {
    this.queues.get(controller)?.add(key);
  }

  /** Stops the watches (when the set is the runner's own), then lets in-flight reconciles finish within `graceMs`. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.ownsInformers) await this.informers.stop();
    await Promise.all([...this.queues.values()].map((q) => q.shutdown({ graceMs: options.graceMs ?? 10_000 })));
  }
}
