/**
 * `a` is at least `b`: resourceVersions compared as integers (what the API server sends), else only
 * equal ones. For a reader waiting until a cache has seen its own write.
 */
export function resourceVersionAtLeast(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) >= BigInt(b);
  return a === b;
}
