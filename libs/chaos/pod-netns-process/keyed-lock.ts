/**
 * Serialises the daemon's calls per key: calls on the same key (a network namespace, a pod, a
 * container) run one after another, calls on other keys alongside; a failed call does not block
 * the next. Used by every daemon side whose calls read a target's state and replace it
 * (NetworkChaos per namespace, the pod-netns kinds per pod, TimeChaos per container).
 *
 * @example
 * const lock = new KeyedLock();
 * await lock.run("net:[4026532710]", () => replaceIpsets(ns, sets));
 */
export class KeyedLock {
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
