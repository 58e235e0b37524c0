import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  test("lets a burst through at once, then paces at qps", async () => {
    const bucket = new TokenBucket({ qps: 50, burst: 5 });
    const start = performance.now();
    const done: number[] = [];
    const all = Promise.all(Array.from({ length: 15 }, () => bucket.take().then(() => done.push(performance.now() - start))));
    // the burst is served without waiting: only the 10 beyond it are in line (no clock involved)
    expect(bucket.waiting).toBe(10);
    await all;
    done.sort((a, b) => a - b);
    // 10 more tokens at 50/s: the last one no sooner than ~200 ms (a lower bound: no timed upper bound on a shared machine)
    expect(done[14]!).toBeGreaterThanOrEqual(190);
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

  test("setRate: a higher qps serves the callers already waiting sooner, in their order", async () => {
    const bucket = new TokenBucket({ qps: 2, burst: 1 });
    await bucket.take();
    const start = performance.now();
    const order: number[] = [];
    const waiting = Promise.all([0, 1, 2, 3, 4].map((i) => bucket.take().then(() => order.push(i))));
    expect(bucket.waiting).toBe(5);
    // at 2/s the last would wait 2.5 s; at 100/s it goes within ~50 ms
    bucket.setRate({ qps: 100, burst: 1 });
    await waiting;
    // at 2/s the last would be served no sooner than 2.5 s: well under that proves the new rate (a 40x margin)
    expect(performance.now() - start).toBeLessThan(2000);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect([bucket.qps, bucket.burst]).toEqual([100, 1]);
  });

  test("setRate: a lower qps holds the callers already waiting longer", async () => {
    const bucket = new TokenBucket({ qps: 100, burst: 1 });
    await bucket.take();
    let served = 0;
    const waiting = Promise.all([0, 1, 2].map(() => bucket.take().then(() => served++)));
    bucket.setRate({ qps: 2, burst: 1 }); // the first token now takes 500 ms, not 10 ms
    await new Promise((r) => setTimeout(r, 150));
    expect(served).toBe(0);
    bucket.setRate({ qps: 1000, burst: 1 }); // and back up: served at once
    await waiting;
    expect(served).toBe(3);
  });

  test("setRate: tokens earned before count at the old rate; a larger burst adds no token at once, a smaller one drops the excess", async () => {
    const bucket = new TokenBucket({ qps: 1, burst: 10 });
    for (let i = 0; i < 10; i++) expect(bucket.tryTake()).toBe(true);
    bucket.setRate({ qps: 1, burst: 100 });
    expect(bucket.tryTake()).toBe(false); // no new burst minted by the change
    bucket.setRate({ qps: 1000, burst: 100 });
    await new Promise((r) => setTimeout(r, 60));
    expect(bucket.available).toBeGreaterThan(40); // ~60 earned at the new rate
    bucket.setRate({ qps: 1000, burst: 5 });
    expect(bucket.available).toBeLessThanOrEqual(5);
  });

  test("setRate rejects nonsense settings and leaves the rate as it was", () => {
    const bucket = new TokenBucket({ qps: 30, burst: 50 });
    expect(() => bucket.setRate({ qps: 0, burst: 1 })).toThrow(/qps must be > 0/);
    expect(() => bucket.setRate({ qps: 1, burst: 0.5 })).toThrow(/burst must be >= 1/);
    expect([bucket.qps, bucket.burst]).toEqual([30, 50]);
  });

  test("tryTake does not pass callers waiting in line", async () => {
    const bucket = new TokenBucket({ qps: 20, burst: 1 });
    await bucket.take();
    const waiting = bucket.take();
    await new Promise((r) => setTimeout(r, 60)); // a token is earned, but the line's first caller gets it
    expect(bucket.tryTake()).toBe(false);
    await waiting;
  });

  test("an aborted waiter leaves the line: the callers behind it move up", async () => {
    const bucket = new TokenBucket({ qps: 10, burst: 1 });
    await bucket.take();
    const controller = new AbortController();
    const first = bucket.take(controller.signal);
    const second = bucket.take();
    expect(bucket.waiting).toBe(2);
    controller.abort(new Error("gone"));
    await expect(first).rejects.toThrow("gone");
    expect(bucket.waiting).toBe(1); // the aborted one left the line; the second is first now
    await second;
    expect(bucket.waiting).toBe(0);
  });

  test("rejects nonsense settings", () => {
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});
