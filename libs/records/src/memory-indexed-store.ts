import type { IndexedStore } from "./experiment-index.js";

/**
 * An informer's store, named indexes and handlers without a watch: objects are put and removed by
 * hand. For unit tests of what reads the experiment index (the index itself, a kind's composition),
 * as `createInMemoryDaemonClientPool` is for daemon calls.
 *
 * @example
 * const network = new MemoryIndexedStore<ChaosObject>();
 * const index = createExperimentIndex({ kinds: new Map([["NetworkChaos", network]]), shards: new MemoryIndexedStore() });
 * network.put(partition); // index.onPod("NetworkChaos", "ns/web-0") now lists it
 */
export class MemoryIndexedStore<T extends { metadata: { namespace?: string; name?: string } }> implements IndexedStore<T> {
  readonly objects = new Map<string, T>();
  private readonly indexes = new Map<string, (object: T) => readonly string[]>();
  private readonly handlers: Array<(event: { type: string; object: T }) => void> = [];

  addIndex(name: string, fn: (object: T) => readonly string[]): void {
    this.indexes.set(name, fn);
  }

  byIndex(name: string, value: string): T[] {
    const fn = this.indexes.get(name);
    if (!fn) throw new Error(`no index ${name}: add it with addIndex first`);
    return [...this.objects.values()].filter((o) => fn(o).includes(value));
  }

  addHandler(handler: (event: { type: string; object: T }) => void): void {
    this.handlers.push(handler);
  }

  /** Adds or replaces an object (keyed by namespace/name) and tells every handler, as a watch event would. */
  put(object: T): void {
    this.objects.set(`${object.metadata.namespace}/${object.metadata.name}`, object);
    for (const h of this.handlers) h({ type: "update", object });
  }

  /** Removes an object and tells every handler. */
  remove(object: T): void {
    this.objects.delete(`${object.metadata.namespace}/${object.metadata.name}`);
    for (const h of this.handlers) h({ type: "delete", object });
  }
}
