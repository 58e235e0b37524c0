/**
 * Polls `probe` until it answers something other than undefined, and resolves with that; rejects
 * after `timeoutMs` naming `what` and the last error the probe threw (errors count as "not yet").
 *
 * @example
 * const pod = await eventually("a replacement pod", async () => (await listPods()).find(isNew));
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
