import { CustomObjectsApi, Observable, Watch, type ConfigurationOptions, type KubeConfig, type KubernetesObject, type RequestContext, type ResponseContext } from "@kubernetes/client-node";
import { Counter, type Registry } from "prom-client";
import { abortableDelay } from "./abortable-delay.js";
import { exponentialBackoffDelay, type ExponentialBackoff } from "./exponential-backoff.js";
import { errorFields, silentLogger, type Logger } from "./logger.js";
import { objectKeyOf, objectKeyString, type ObjectKey } from "./object-key.js";
import { boundedApiClient } from "./rate-limited-api-client.js";
import type { TokenBucket } from "./token-bucket.js";

/**
 * What happened to an object: `add`, `update`, `delete` as seen on the API server (after a relist,
 * the differences from what was known before), or `resync`: the periodic re-announcement of every
 * known object, so a level-based reconciler catches up with whatever it missed.
 */
export type WatchEventType = "add" | "update" | "delete" | "resync";

/** One change, handed to {@link ResilientWatchOptions.handler}. */
export interface WatchEvent<T> {
  type: WatchEventType;
  key: ObjectKey;
  /** The object as last seen (for `delete`, its final state as far as the watch knows). */
  object: T;
}

/** Why a watch connection ended and what the loop did next (see {@link ResilientWatch.stats}). */
export interface ResilientWatchStats {
  /** Full lists done (the first one, and one after each 410 Gone or error event). */
  lists: number;
  /** Watch connections opened. */
  watches: number;
  /** Relists forced by 410 Gone (resourceVersion too old). */
  gone: number;
  /** Connections the server ended (timeout, restart, dropped connection). */
  closed: number;
  /** Connections restarted because nothing arrived for longer than the stall timeout. */
  stalls: number;
  /** Failed attempts (list or watch), each followed by a backoff. */
  errors: number;
}

/** Options of a {@link ResilientWatch}. */
export interface ResilientWatchOptions<T> {
  kubeConfig: KubeConfig;
  /**
   * The resource: API group, version, plural, watched in all namespaces. A custom resource's group
   * (`/apis/<group>/<version>/<plural>`), or `""` for a core resource (`/api/v1/pods`).
   */
  group: string;
  version: string;
  plural: string;
  /**
   * Applied to every object the API server sends (listed or watched) before it is stored and
   * handed to the handler, typically to drop what nobody reads (`metadata.managedFields`) so a
   * watch of many objects holds less memory. It must keep `metadata.name`, `metadata.namespace`
   * and `metadata.resourceVersion`. Default: objects are stored as sent.
   */
  transform?: (object: T) => T;
  /** Called for every change; an exception is logged and does not stop the watch. Typically `queue.add(event.key)`. */
  handler: (event: WatchEvent<T>) => void;
  /** Re-emit every known object as `resync` this often. Default 10 minutes; 0 turns it off. */
  resyncPeriodMs?: number;
  /**
   * Restart the watch when no event, bookmark or new connection was seen for this long. The API
   * server sends a bookmark about every minute to watches that ask for them, so the default is
   * 3 minutes.
   */
  stallTimeoutMs?: number;
  /**
   * Server-side timeout of each watch request, after which the server ends it and the watch
   * reconnects from its resourceVersion. Default: random between 5 and 10 minutes, as client-go.
   */
  watchTimeoutSeconds?: number;
  /**
   * Backoff between failed attempts. Default 800 ms doubling to 5 s with 10 % jitter: a refused
   * connection costs the API server nothing, and a watch that comes back within seconds of the API
   * server is what makes the controller come back fast.
   */
  backoff?: ExponentialBackoff;
  /**
   * Called once the API server answers again after failed attempts (a list or a watch connection
   * succeeded), with how long the watch had been failing. Typically `() => queue.retryFailedNow()`,
   * so objects whose reconciles failed during the outage are retried at once.
   */
  onRecovered?: (outage: { failedForMs: number; failures: number }) => void;
  /** Objects per list page. Default 500. */
  pageSize?: number;
  /** Take a token from this bucket before every list page and watch request. */
  rateLimiter?: TokenBucket;
  /**
   * Where to count `watch_events_total{resource,type}` and `watch_restarts_total{resource,reason}`
   * (reason: gone, closed, stall, error). Default: no metrics.
   */
  registry?: Registry;
  logger?: Logger;
}

/**
 * CustomObjectsApi builds `/apis/<group>/<version>/<plural>`; a core resource is served at
 * `/api/<version>/<plural>`. Its list calls (group "") go through this rewrite, so core and custom
 * resources share one client with the same timeouts and untyped (as sent) objects.
 */
const coreResourcePath: ConfigurationOptions = {
  middleware: [
    {
      pre: (context: RequestContext) => {
        context.setUrl(context.getUrl().replace("/apis//", "/api/"));
        return new Observable(Promise.resolve(context));
      },
      post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
    },
  ],
  middlewareMergeStrategy: "append",
};

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  return (registry.getSingleMetric(name) as Counter | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
}

type WatchEnd = "closed" | "gone" | "stall" | "relist" | "stopped";

class StatusError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
  }
}

function statusCode(error: unknown): number | undefined {
  const e = error as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.code === "number") return e.code;
  if (typeof e?.statusCode === "number") return e.statusCode;
  return undefined;
}

/**
 * An informer for one resource (custom, or core such as pods) in all namespaces: it lists, then watches from the list's
 * resourceVersion, keeps the objects it knows, and turns what it sees into {@link WatchEvent}s.
 * It does not give up:
 * - 410 Gone (the resourceVersion is too old), as a status or an error event → relist, and emit
 *   the differences (including deletes of objects that vanished meanwhile);
 * - the server ends the connection → reconnect from the last resourceVersion;
 * - errors (API server down, resource not served) → retry with exponential backoff;
 * - nothing arrives for `stallTimeoutMs` (not even a bookmark) → drop the connection and rewatch;
 * - every `resyncPeriodMs` → every known object is re-emitted as `resync`.
 *
 * @example
 * const watch = new ResilientWatch({ kubeConfig, group: "chaos-mesh.org", version: "v1alpha1",
 *   plural: "helloworldchaos", handler: (event) => queue.add(event.key) });
 * await watch.start(); // resolves once the first list has been delivered
 * ...
 * await watch.stop();
 */
export class ResilientWatch<T extends KubernetesObject = KubernetesObject> {
  private readonly options: ResilientWatchOptions<T>;
  private readonly objectsApi: CustomObjectsApi;
  private readonly watcher: Watch;
  private readonly logger: Logger;
  private readonly backoff: ExponentialBackoff;
  private readonly stallTimeoutMs: number;
  private readonly store = new Map<string, T>();
  private readonly stopping = new AbortController();
  private resourceVersion: string | undefined;
  private lastActivity = performance.now();
  private loop: Promise<void> | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private syncedResolvers: Array<() => void> = [];
  private hasSyncedOnce = false;
  /** Since when, and how often, attempts have failed without a success in between. */
  private outage: { since: number; failures: number } | undefined;
  private readonly counters: ResilientWatchStats = { lists: 0, watches: 0, gone: 0, closed: 0, stalls: 0, errors: 0 };
  private readonly metrics: { events: Counter; restarts: Counter } | undefined;

  constructor(options: ResilientWatchOptions<T>) {
    this.options = options;
    // its lists bounded in time: one sent as the API server goes away must not hold the loop (and stop())
    this.objectsApi = boundedApiClient(options.kubeConfig, CustomObjectsApi);
    this.watcher = new Watch(options.kubeConfig);
    this.logger = options.logger ?? silentLogger();
    this.backoff = options.backoff ?? { baseMs: 800, maxMs: 5_000, jitter: 0.1 };
    this.stallTimeoutMs = options.stallTimeoutMs ?? 180_000;
    this.metrics = options.registry && {
      events: counter(options.registry, "watch_events_total", "Events a resilient watch emitted, by type", ["resource", "type"]),
      restarts: counter(options.registry, "watch_restarts_total", "Watch connections restarted, by reason", ["resource", "reason"]),
    };
    // The Watch's own inactivity timeout (30 s, declared private in client-node 2.0.1's types)
    // would end quiet connections before bookmarks arrive; the stall detector takes that role.
    (this.watcher as unknown as { requestTimeoutMs: number }).requestTimeoutMs = this.stallTimeoutMs * 2;
  }

  /** `<plural>.<group>` (a core resource: `<plural>`), as logs name the resource. */
  get resource(): string {
    return this.options.group ? `${this.options.plural}.${this.options.group}` : this.options.plural;
  }

  /** The resource's collection path on the API server. */
  private get path(): string {
    const { group, version, plural } = this.options;
    return group ? `/apis/${group}/${version}/${plural}` : `/api/${version}/${plural}`;
  }

  /**
   * Starts listing and watching in the background; resolves once the first list has been
   * delivered to the handler (it keeps retrying until then, or until `stop()`).
   */
  start(): Promise<void> {
    if (!this.loop) {
      this.loop = this.run();
      const period = this.options.resyncPeriodMs ?? 600_000;
      if (period > 0) this.resyncTimer = setInterval(() => this.resync(), period);
    }
    return this.synced();
  }

  /** Resolves once the first list has been delivered (at once if it has been). */
  synced(): Promise<void> {
    if (this.hasSyncedOnce || this.stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => this.syncedResolvers.push(resolve));
  }

  /** Whether the first list has been delivered: what a `/readyz` check asks. */
  get hasSynced(): boolean {
    return this.hasSyncedOnce;
  }

  /** Stops watching and resolves once the loop has ended. No event is emitted after this resolves. */
  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.resyncTimer);
    for (const resolve of this.syncedResolvers.splice(0)) resolve();
    await this.loop;
  }

  /** The object with this key, as last seen. */
  get(key: ObjectKey): T | undefined {
    return this.store.get(objectKeyString(key));
  }

  /** Every object known now. */
  list(): T[] {
    return [...this.store.values()];
  }

  /** Counters of lists, connections and restarts, by cause. */
  get stats(): Readonly<ResilientWatchStats> {
    return { ...this.counters };
  }

  /** The resourceVersion the next watch starts from. */
  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  private emit(type: WatchEventType, object: T): void {
    if (this.stopping.signal.aborted) return;
    this.metrics?.events.inc({ resource: this.resource, type });
    try {
      this.options.handler({ type, key: objectKeyOf(object), object });
    } catch (error) {
      this.logger.error("watch handler failed", { resource: this.resource, type, key: objectKeyString(objectKeyOf(object)), ...errorFields(error) });
    }
  }

  /** The API server answered: end the outage, if there was one, and tell `onRecovered`. */
  private recovered(): void {
    const outage = this.outage;
    if (!outage) return;
    this.outage = undefined;
    const failedForMs = Math.round(performance.now() - outage.since);
    this.logger.info("watch recovered", { resource: this.resource, failedForMs, failures: outage.failures });
    try {
      this.options.onRecovered?.({ failedForMs, failures: outage.failures });
    } catch (error) {
      this.logger.error("watch onRecovered failed", { resource: this.resource, ...errorFields(error) });
    }
  }

  private resync(): void {
    for (const object of this.store.values()) this.emit("resync", object);
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    let needList = true;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const opened = performance.now();
        const end = await this.watchOnce();
        if (end === "gone" || end === "closed" || end === "stall") this.metrics?.restarts.inc({ resource: this.resource, reason: end });
        if (end === "gone") {
          this.counters.gone++;
          this.logger.info("resourceVersion too old, relisting", { resource: this.resource });
        }
        if (end === "gone" || end === "relist") needList = true;
        if (end === "closed" && performance.now() - opened < 1000) {
          // a server that ends every connection at once must not be hammered
          await abortableDelay(exponentialBackoffDelay(failures++, this.backoff), signal);
        } else {
          failures = 0;
        }
      } catch (error) {
        if (signal.aborted) break;
        const code = statusCode(error);
        this.metrics?.restarts.inc({ resource: this.resource, reason: code === 410 ? "gone" : "error" });
        if (code === 410) {
          this.counters.gone++;
          this.logger.info("resourceVersion too old, relisting", { resource: this.resource });
          needList = true;
          continue;
        }
        this.counters.errors++;
        this.outage ??= { since: performance.now(), failures: 0 };
        this.outage.failures++;
        const delay = exponentialBackoffDelay(failures++, this.backoff);
        this.logger.warn("watch failed, retrying", { resource: this.resource, ...errorFields(error), code, retryInMs: Math.round(delay) });
        await abortableDelay(delay, signal);
      }
    }
  }

  private async relist(): Promise<void> {
    const { group, version, plural } = this.options;
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion: string | undefined;
    do {
      await this.options.rateLimiter?.take(this.stopping.signal);
      const page = (await this.objectsApi.listClusterCustomObject(
        { group, version, plural, limit: this.options.pageSize ?? 500, _continue: continueToken },
        group ? undefined : coreResourcePath,
      )) as {
        items?: T[];
        metadata?: { resourceVersion?: string; continue?: string };
      };
      for (const sent of page.items ?? []) {
        const item = this.transform(sent);
        fresh.set(objectKeyString(objectKeyOf(item)), item);
      }
      continueToken = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion;
    } while (continueToken && !this.stopping.signal.aborted);
    if (this.stopping.signal.aborted) return;
    this.counters.lists++;
    const previous = new Map(this.store);
    this.store.clear();
    for (const [id, object] of fresh) {
      this.store.set(id, object);
      const before = previous.get(id);
      previous.delete(id);
      if (!before) this.emit("add", object);
      else if (before.metadata?.resourceVersion !== object.metadata?.resourceVersion) this.emit("update", object);
    }
    for (const gone of previous.values()) this.emit("delete", gone);
    this.resourceVersion = resourceVersion;
    this.lastActivity = performance.now();
    this.recovered();
    if (!this.hasSyncedOnce) {
      this.hasSyncedOnce = true;
      for (const resolve of this.syncedResolvers.splice(0)) resolve();
    }
  }

  private onEvent(type: string, object: T | { kind?: string; code?: number; message?: string; reason?: string }, finish: (end: WatchEnd | Error) => void): void {
    this.lastActivity = performance.now();
    if (type === "ERROR") {
      const status = object as { code?: number; message?: string; reason?: string };
      if (status.code === 410) return finish("gone");
      return finish(new StatusError(`watch error event: ${status.reason ?? ""} ${status.message ?? ""}`.trim(), status.code));
    }
    if (type === "BOOKMARK") {
      const rv = (object as T).metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      return;
    }
    const item = this.transform(object as T);
    const rv = item.metadata?.resourceVersion;
    const id = objectKeyString(objectKeyOf(item));
    if (type === "ADDED" || type === "MODIFIED") {
      const before = this.store.get(id);
      this.store.set(id, item);
      if (!before) this.emit("add", item);
      else if (before.metadata?.resourceVersion !== rv) this.emit("update", item);
    } else if (type === "DELETED") {
      this.store.delete(id);
      this.emit("delete", item);
    }
    if (rv) this.resourceVersion = rv;
  }

  private transform(object: T): T {
    return this.options.transform ? this.options.transform(object) : object;
  }

  /** One watch connection, from the last resourceVersion until it ends; throws on errors. */
  private async watchOnce(): Promise<WatchEnd> {
    const signal = this.stopping.signal;
    await this.options.rateLimiter?.take(signal);
    if (signal.aborted) return "stopped";
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? Math.floor(300 * (1 + Math.random()));
    this.counters.watches++;
    return new Promise<WatchEnd>((resolve, reject) => {
      let ended = false;
      let connection: AbortController | undefined;
      const finish = (end: WatchEnd | Error) => {
        if (ended) return;
        ended = true;
        clearInterval(stallCheck);
        signal.removeEventListener("abort", onStop);
        connection?.abort();
        if (end instanceof Error) reject(end);
        else resolve(end);
      };
      const onStop = () => finish("stopped");
      signal.addEventListener("abort", onStop, { once: true });
      this.lastActivity = performance.now();
      const stallCheck = setInterval(
        () => {
          if (performance.now() - this.lastActivity > this.stallTimeoutMs) {
            this.counters.stalls++;
            this.logger.warn("watch stalled, restarting it", { resource: this.resource, silentForMs: Math.round(performance.now() - this.lastActivity) });
            finish("stall");
          }
        },
        Math.max(10, Math.min(1000, this.stallTimeoutMs / 4)),
      );
      this.watcher
        .watch(
          this.path,
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          (type, object) => {
            if (!ended) this.onEvent(type, object as T, finish);
          },
          (error: unknown) => {
            if (ended) return;
            if (error) {
              const code = statusCode(error);
              return finish(new StatusError(`watch ended: ${String((error as Error)?.message ?? error)}`, code));
            }
            this.counters.closed++;
            this.logger.debug("watch closed by the server, reconnecting", { resource: this.resource });
            finish("closed");
          },
        )
        .then((controller) => {
          connection = controller;
          if (ended) controller.abort();
          else {
            this.lastActivity = performance.now();
            this.recovered();
          }
        }, (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))));
    });
  }
}
