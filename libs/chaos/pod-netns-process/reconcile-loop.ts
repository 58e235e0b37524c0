/**
 * A reconcile pass that runs one at a time (a pass asked for while one runs is that one), over
 * every key `keys()` gives, `one` per key, a key's failure told and tried again next pass; and,
 * when `everyMs` > 0, a loop running it at start and every `everyMs` (timers unref'd, stopped by
 * `signal`). Returns the function that runs a pass (tests call it themselves).
 */
export function reconcileLoop(
  keys: () => string[],
  one: (key: string) => Promise<void>,
  onError: (key: string, error: Error) => void,
  everyMs: number,
  signal?: AbortSignal,
): () => Promise<void> {
  let reconciling: Promise<void> | undefined;
  const pass = async () => {
    await Promise.resolve(); // so `reconciling` is set before a pass with nothing to do ends
    try {
      for (const key of keys()) await one(key).catch((error: unknown) => onError(key, error as Error));
    } finally {
      reconciling = undefined;
    }
  };
  const reconcile = () => (reconciling ??= pass());
  if (everyMs > 0 && !signal?.aborted) {
    const first = setTimeout(() => void reconcile(), 0);
    const timer = setInterval(() => void reconcile(), everyMs);
    first.unref();
    timer.unref();
    signal?.addEventListener("abort", () => {
      clearTimeout(first);
      clearInterval(timer);
    });
  }
  return reconcile;
}
