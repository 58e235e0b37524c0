/**
 * Runs `work` for every item with at most `limit` running at once; resolves when all have settled.
 * `work` should not throw (the pipeline catches per record); a throw rejects after the rest settle.
 */
export async function runBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const bound = Math.max(1, Math.floor(limit));
  let next = 0;
  const errors: unknown[] = [];
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        errors.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(bound, items.length) }, lane));
  if (errors.length) throw errors[0];
}
