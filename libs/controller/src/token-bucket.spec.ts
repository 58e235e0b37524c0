import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  test("lets a burst through at once, then paces at qps", async () => {
    const bucket = new TokenBucket({ qps: 50, burst: 5 });
    const start = performance.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 15 }, () => bucket.take().then(() => done.push(performance.now() - start))));
    done.sort((a, b) => a - b);
    expect(done[4]!).toBeLessThan(15);
    // 10 more tokens at 50/s: the last one after ~200 ms
    expect(done[14]!).toBeGreaterThanOrEqual(190);
    expect(done[14]!).toBeLessThan(400);
  });

  test("serves waiters in arrival order", async () => {
    const bucket = new TokenBucket({ qps: 100, burst: 1 });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  test("tryTake never waits", () => {
    const bucket = new TokenBucket({ qps: 1, burst: 2 });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
  });

  test("an aborted wait gives its token back and rejects", async () => {
    const bucket = new TokenBucket({ qps: 1, burst: 1 });
    await bucket.take();
    const controller = new AbortController();
    const waiting = bucket.take(controller.signal);
    controller.abort(new Error("stop"));
    await expect(waiting).rejects.toThrow("stop");
    expect(bucket.available).toBeGreaterThan(-0.5);
  });

  test("rejects nonsense settings", () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});
