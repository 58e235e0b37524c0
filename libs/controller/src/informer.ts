import { resourceVersionAtLeast } from "@faultline/api";
import { objectKeyOf, objectKeyString, type ObjectKey } from "./object-key.js";
import type { WatchEvent } from "./resilient-watch.js";

/**
 * What feeds an {@link Informer}: a list-and-watch of one resource that calls `handler` for every
 * change. `ResilientWatch` is the real one (see `InformerSet`); a spec hands events to `handler`
 * itself.
 */
export interface InformerSource {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly hasSynced: boolean;
}

/** Wires a source: events go to `handler`, a recovered outage to `onRecovered`. */
export type InformerSourceFactory<T> = (sink: { handler: (event: WatchEvent<T>) => void; onRecovered: () => void }) => InformerSource;

/** What an informer needs of an object: its name, namespace and resourceVersion (any Kubernetes object). */
export interface InformerObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** Values of an object under which a named index files it (an empty list: not indexed). */
export type IndexFunction<T> = (object: T) => readonly string[];


interface Waiter<T> {
  key: string;
  resourceVersion: string;
  resolve: (object: T | undefined) => void;
}

/**
 * The shared cache of one resource (client-go's shared informer): a store of every object by
 * namespace/name, named indexes, and handlers added by several consumers, all fed by ONE source
 * (one list-and-watch). Objects are the source's own: readers must not change them.
 *
 * Reading your own write: the cache lags the API server (typically well under a second), so a
 * reader that just wrote an object and must see that write calls {@link Informer.getAtLeast} with the
 * write's resourceVersion: it waits (bounded) until the cache has it, else reads through `read`.
 *
 * @example
 * const pods = informers.informer<V1Pod>({ group: "", version: "v1", plural: "pods" });
 * pods.addIndex("node", (pod) => (pod.spec?.nodeName ? [pod.spec.nodeName] : []));
 * pods.addHandler((event) => queue.add(event.key));
 * await informers.start();
 * pods.byIndex("node", "worker-1");
 */
export class Informer<T extends InformerObject = InformerObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: Array<(event: WatchEvent<T>) => void> = [];
  private readonly recoveredHandlers: Array<() => void> = [];
  private readonly indexers = new Map<string, { fn: IndexFunction<T>; values: Map<string, Set<string>> }>();
  private readonly waiters = new Set<Waiter<T>>();
  private readonly source: InformerSource;
  private started: Promise<void> | undefined;

  constructor(factory: InformerSourceFactory<T>) {
    this.source = factory({ handler: (event) => this.onEvent(event), onRecovered: () => this.onRecovered() });
  }

  /** Called for every change (after the store and indexes have taken it). A throwing handler does not stop the others. */
  addHandler(handler: (event: WatchEvent<T>) => void): void {
    this.handlers.push(handler);
  }

  /** Called when the source answers again after failed attempts (typically `queue.retryFailedNow()`). */
  addRecoveredHandler(handler: () => void): void {
    this.recoveredHandlers.push(handler);
  }

  /**
   * Files every object under `fn(object)` in the index `name`, for {@link byIndex}. Added before or
   * after objects arrive; adding a name twice keeps the first (consumers share an index by name).
   */
  addIndex(name: string, fn: IndexFunction<T>): void {
    if (this.indexers.has(name)) return;
    const index = { fn, values: new Map<string, Set<string>>() };
    this.indexers.set(name, index);
    for (const [key, object] of this.store) this.file(index, key, object);
  }

  /** The objects filed under `value` in the index `name`; throws when no such index was added. */
  byIndex(name: string, value: string): T[] {
    const index = this.indexers.get(name);
    if (!index) throw new Error(`informer has no index named ${JSON.stringify(name)}`);
    return [...(index.values.get(value) ?? [])].map((key) => this.store.get(key)!);
  }

  /** The object as last seen, or undefined. */
  get(key: ObjectKey): T | undefined {
    return this.store.get(objectKeyString(key));
  }

  /** Every object known now. */
  list(): T[] {
    return [...this.store.values()];
  }

  /** Whether the source has listed every object once. */
  get hasSynced(): boolean {
    return this.source.hasSynced;
  }

  /** Starts the source (once); resolves once it has listed. */
  start(): Promise<void> {
    this.started ??= this.source.start();
    return this.started;
  }

  async stop(): Promise<void> {
    await this.source.stop();
    for (const waiter of this.waiters) waiter.resolve(undefined);
    this.waiters.clear();
  }

  /**
   * The object once the cache holds it at `resourceVersion` or later (at once if it does), or
   * undefined after `timeoutMs` without it: a reader that wrote the object and must see its write.
   */
  waitFor(key: ObjectKey, resourceVersion: string, timeoutMs: number): Promise<T | undefined> {
    const id = objectKeyString(key);
    const now = this.store.get(id);
    if (resourceVersionAtLeast(now?.metadata?.resourceVersion, resourceVersion)) return Promise.resolve(now);
    return new Promise((resolve) => {
      const waiter: Waiter<T> = {
        key: id,
        resourceVersion,
        resolve: (object) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(object);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /**
   * Read-your-writes: the cached object once it has `resourceVersion` (waiting up to `timeoutMs`,
   * default 2 s), else `read()` (the API server, now). Without a resourceVersion, `read()` at once.
   */
  async getAtLeast(key: ObjectKey, resourceVersion: string | undefined, read: () => Promise<T | undefined>, timeoutMs = 2_000): Promise<T | undefined> {
    if (resourceVersion === undefined) return read();
    return (await this.waitFor(key, resourceVersion, timeoutMs)) ?? read();
  }

  private file(index: { fn: IndexFunction<T>; values: Map<string, Set<string>> }, key: string, object: T): void {
    for (const value of index.fn(object)) {
      let keys = index.values.get(value);
      if (!keys) index.values.set(value, (keys = new Set()));
      keys.add(key);
    }
  }

  private unfile(index: { fn: IndexFunction<T>; values: Map<string, Set<string>> }, key: string, object: T): void {
    for (const value of index.fn(object)) {
      const keys = index.values.get(value);
      keys?.delete(key);
      if (keys?.size === 0) index.values.delete(value);
    }
  }

  private onEvent(event: WatchEvent<T>): void {
    const key = objectKeyString(objectKeyOf(event.object));
    const before = this.store.get(key);
    if (before && before !== event.object) for (const index of this.indexers.values()) this.unfile(index, key, before);
    if (event.type === "delete") {
      if (before === event.object) for (const index of this.indexers.values()) this.unfile(index, key, before);
      this.store.delete(key);
    } else {
      this.store.set(key, event.object);
      if (before !== event.object) for (const index of this.indexers.values()) this.file(index, key, event.object);
      const rv = event.object.metadata?.resourceVersion;
      for (const waiter of this.waiters) {
        if (waiter.key === key && resourceVersionAtLeast(rv, waiter.resourceVersion)) waiter.resolve(event.object);
      }
    }
    this.each(this.handlers, (handler) => handler(event));
  }

  /** Calls every handler; one consumer's failure does not starve the others, and is rethrown after (the source logs it). */
  private each<H>(handlers: readonly H[], call: (handler: H) => void): void {
    let failure: { error: unknown } | undefined;
    for (const handler of handlers) {
      try {
        call(handler);
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }

  private onRecovered(): void {
    this.each(this.recoveredHandlers, (handler) => handler());
  }
}
