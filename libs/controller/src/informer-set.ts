import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import { Informer, type InformerObject, type InformerSourceFactory } from "./informer.js";
import type { Logger } from "./logger.js";
import { ResilientWatch } from "./resilient-watch.js";
import type { TokenBucket } from "./token-bucket.js";

/** A resource as an informer names it: API group (`""` for core), version, plural. */
export interface InformerResource {
  group: string;
  version: string;
  plural: string;
}

/** How one resource is watched; the first request of a resource decides. */
export interface InformerOptions<T> {
  /** Applied to each object before it is stored (e.g. `slimPod`); see `ResilientWatchOptions.transform`. */
  transform?: (object: T) => T;
  /** Objects per list page; default the watch's (500). */
  pageSize?: number;
  /** Re-emit every object as `resync` this often; default the set's. 0: never. */
  resyncPeriodMs?: number;
}

/** Options of an {@link InformerSet}. */
export interface InformerSetOptions {
  kubeConfig: KubeConfig;
  /** Default re-list period of each informer; default 10 minutes. */
  resyncPeriodMs?: number;
  rateLimiter?: TokenBucket;
  registry?: Registry;
  logger?: Logger;
  /**
   * Makes each informer's source; default a `ResilientWatch` of the resource in all namespaces.
   * A spec passes its own and hands the informer events directly.
   */
  source?: <T extends InformerObject>(resource: InformerResource, options: InformerOptions<T>) => InformerSourceFactory<T>;
}

const resourceKey = (r: InformerResource) => `${r.group}/${r.version}/${r.plural}`;

/**
 * The process's shared caches: ONE {@link Informer} (one list-and-watch) per resource, made on its
 * first request, whoever asks (the controller runner for its queues, the records pipeline, a
 * kind reading pods or other experiments). `start()` starts every informer made so far and any
 * made later at once; `stop()` stops them all.
 *
 * @example
 * const informers = new InformerSet({ kubeConfig, rateLimiter });
 * const pods = informers.informer<V1Pod>({ group: "", version: "v1", plural: "pods" }, { transform: slimPod, resyncPeriodMs: 0 });
 * const runner = new ControllerRunner({ kubeConfig, controllers, informers });
 * await informers.start();
 */
export class InformerSet {
  private readonly informers = new Map<string, Informer<InformerObject>>();
  private running = false;

  constructor(private readonly options: InformerSetOptions) {}

  /** The informer of `resource`, made (with `options`) on the first request; later options are ignored. */
  informer<T extends InformerObject = KubernetesObject>(resource: InformerResource, options: InformerOptions<T> = {}): Informer<T> {
    const key = resourceKey(resource);
    let informer = this.informers.get(key) as Informer<T> | undefined;
    if (!informer) {
      const factory = this.options.source ? this.options.source<T>(resource, options) : this.watchSource<T>(resource, options);
      informer = new Informer<T>(factory);
      this.informers.set(key, informer as unknown as Informer<InformerObject>);
      // made after start: it starts now (its list runs in the background)
      if (this.running) void informer.start();
    }
    return informer;
  }

  /** Starts every informer; resolves once each has listed. */
  async start(): Promise<void> {
    this.running = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  /** Whether every informer has listed once (for `/readyz`). */
  get hasSynced(): boolean {
    return [...this.informers.values()].every((i) => i.hasSynced);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }

  private watchSource<T extends InformerObject>(resource: InformerResource, options: InformerOptions<T>): InformerSourceFactory<T> {
    const o = this.options;
    const resyncPeriodMs = options.resyncPeriodMs ?? o.resyncPeriodMs;
    // the watch reads what InformerObject names (and sends objects as the API server does)
    return ({ handler, onRecovered }) =>
      new ResilientWatch<T & KubernetesObject>({
        kubeConfig: o.kubeConfig,
        ...resource,
        ...(options.transform && { transform: options.transform }),
        ...(options.pageSize !== undefined && { pageSize: options.pageSize }),
        ...(resyncPeriodMs !== undefined && { resyncPeriodMs }),
        ...(o.rateLimiter && { rateLimiter: o.rateLimiter }),
        ...(o.registry && { registry: o.registry }),
        ...(o.logger && { logger: o.logger }),
        handler,
        onRecovered,
      });
  }
}
