import { exponentialBackoffDelay } from "./exponential-backoff.js";

describe("exponentialBackoffDelay", () => {
  test("doubles from the base and stops at the cap", () => {
    const backoff = { baseMs: 5, maxMs: 100 };
    expect([0, 1, 2, 3, 4, 5, 6, 60].map((a) => exponentialBackoffDelay(a, backoff))).toEqual([5, 10, 20, 40, 80, 100, 100, 100]);
  });

  test("a huge attempt number does not overflow", () => {
    expect(exponentialBackoffDelay(10_000, { baseMs: 1, maxMs: 1000 })).toBe(1000);
  });

  test("jitter adds at most the given fraction, never beyond the cap", () => {
    for (let i = 0; i < 100; i++) {
      const d = exponentialBackoffDelay(2, { baseMs: 10, maxMs: 1000, jitter: 0.5 });
      expect(d).toBeGreaterThanOrEqual(40);
      expect(d).toBeLessThanOrEqual(60);
      expect(exponentialBackoffDelay(9, { baseMs: 10, maxMs: 1000, jitter: 0.5 })).toBeLessThanOrEqual(1000);
    }
  });
});
