import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type { ExponentialBackoff } from "./exponential-backoff.js";
import type { Logger } from "./logger.js";
import type { ManagedController, WatchedResource } from "./managed-controller.js";
import { objectKeyString, type ObjectKey } from "./object-key.js";
import { ResilientWatch } from "./resilient-watch.js";
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
  /** Re-list period of each watch; default 10 minutes. */
  resyncPeriodMs?: number;
  registry?: Registry;
  logger?: Logger;
}

type OwnedObject = KubernetesObject;

const resourceKey = (r: WatchedResource) => `${r.group}/${r.version}/${r.plural}`;

/**
 * Runs {@link ManagedController}s: one work queue per controller, one watch per resource (shared
 * when several controllers watch or own the same one), and owner queuing: a change of an owned
 * object queues its controlling owner. Started while leading, stopped on shutdown.
 *
 * @example
 * const runner = new ControllerRunner({ kubeConfig, controllers: [scheduleController] });
 * await runner.start();
 */
export class ControllerRunner {
  private readonly queues = new Map<ManagedController, WorkQueue<ObjectKey>>();
  private readonly watches = new Map<string, ResilientWatch<OwnedObject>>();

  constructor(options: ControllerRunnerOptions) {
    const handlers = new Map<string, ((object: OwnedObject, key: ObjectKey) => void)[]>();
    const on = (resource: WatchedResource, handler: (object: OwnedObject, key: ObjectKey) => void) => {
      const list = handlers.get(resourceKey(resource)) ?? [];
      list.push(handler);
      handlers.set(resourceKey(resource), list);
    };
    const resources = new Map<string, WatchedResource>();
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
      resources.set(resourceKey(controller.resource), controller.resource);
      on(controller.resource, (_object, key) => queue.add(key));
      for (const owned of controller.owns ?? []) {
        resources.set(resourceKey(owned), owned);
        on(owned, (object) => {
          for (const ref of object.metadata?.ownerReferences ?? []) {
            if (ref.controller === true && ref.kind === controller.resource.kind && ref.name !== undefined) {
              queue.add({ namespace: object.metadata?.namespace ?? "", name: ref.name });
            }
          }
        });
      }
    }
    for (const [key, resource] of resources) {
      const list = handlers.get(key) ?? [];
      this.watches.set(
        key,
        new ResilientWatch<OwnedObject>({
          kubeConfig: options.kubeConfig,
          group: resource.group,
          version: resource.version,
          plural: resource.plural,
          ...(options.resyncPeriodMs !== undefined && { resyncPeriodMs: options.resyncPeriodMs }),
          ...(options.rateLimiter && { rateLimiter: options.rateLimiter }),
          ...(options.registry && { registry: options.registry }),
          ...(options.logger && { logger: options.logger }),
          handler: (event) => {
            for (const handler of list) handler(event.object, event.key);
          },
          onRecovered: () => {
            for (const queue of this.queues.values()) queue.retryFailedNow();
          },
        }),
      );
    }
  }

  /** Starts the queues and the watches; resolves once every watch has listed. */
  async start(): Promise<void> {
    for (const queue of this.queues.values()) queue.start();
    await Promise.all([...this.watches.values()].map((w) => w.start()));
  }

  /** Whether every watch has listed once (for readiness). */
  get hasSynced(): boolean {
    return [...this.watches.values()].every((w) => w.hasSynced);
  }

  /** Queues a controller's object, as a watch event would (for tests and for time-based triggers). */
  enqueue(controller: ManagedController, key: ObjectKey): void {
    this.queues.get(controller)?.add(key);
  }

  /** Stops the watches, then lets in-flight reconciles finish within `graceMs`. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    await Promise.all([...this.watches.values()].map((w) => w.stop()));
    await Promise.all([...this.queues.values()].map((q) => q.shutdown({ graceMs: options.graceMs ?? 10_000 })));
  }
}
