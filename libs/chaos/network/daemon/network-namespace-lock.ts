/**
 * Serialises the daemon's calls per network namespace: SetTcs, FlushIPSets and SetIptablesChains on
 * the same pod each read the namespace's state and replace it, so they must not interleave.
 *
 * @example
 * const lock = new NetworkNamespaceLock();
 * await lock.run("net:[4026532710]", () => replaceIpsets(ns, sets));
 */
export class NetworkNamespaceLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` once every earlier call for the same key has finished. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const before = this.#tails.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(fn);
    this.#tails.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.#tails.get(key) === mine) this.#tails.delete(key);
    }
  }
}
