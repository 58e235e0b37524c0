/**
 * Freezes `value` and every object it holds, and returns it: what the pod cache hands out can be
 * read by anyone and changed by no one. An object already frozen is taken as frozen throughout
 * (the cache freezes whole pods only), so freezing again costs one check.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const inner of Object.values(value)) deepFreeze(inner);
  return value;
}
