import { Registry } from "prom-client";
import { abortableDelay } from "./abortable-delay.js";
import { objectKeyString, type ObjectKey } from "./object-key.js";
import { WorkQueue, type Reconcile } from "./work-queue.js";

/** A promise with its resolve function, to hold a reconcile until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await abortableDelay(2);
  }
}

const queues: WorkQueue<unknown>[] = [];
function queue<K>(reconcile: Reconcile<K>, options: { workers?: number; registry?: Registry; backoff?: { baseMs: number; maxMs: number } } = {}): WorkQueue<K> {
  const q = new WorkQueue<K>({ name: "test", reconcile, ...options });
  queues.push(q as WorkQueue<unknown>);
  return q;
}
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.shutdown()));
});

describe("WorkQueue", () => {
  test("processes added keys once each; a key added again while waiting is held once", async () => {
    const seen: string[] = [];
    const q = queue<string>((key) => void seen.push(key));
    q.add("a");
    q.add("b");
    q.add("a");
    expect(q.depth).toBe(2);
    q.start();
    await q.idle();
    expect(seen).toEqual(["a", "b"]);
  });

  test("object keys are told apart by keyString", async () => {
    const seen: string[] = [];
    const q = new WorkQueue<ObjectKey>({ name: "objects", keyString: objectKeyString, reconcile: (key) => void seen.push(objectKeyString(key)) });
    queues.push(q as WorkQueue<unknown>);
    q.add({ namespace: "ns", name: "a" });
    q.add({ name: "a", namespace: "ns" });
    q.add({ namespace: "ns", name: "b" });
    q.start();
    await q.idle();
    expect(seen).toEqual(["ns/a", "ns/b"]);
  });

  test("never processes one key in two workers at once; an add during processing runs it again after", async () => {
    const held = gate();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const q = queue<string>(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await held.promise;
        running--;
      },
      { workers: 4 },
    );
    q.start();
    q.add("a");
    await until(() => q.inFlight === 1);
    q.add("a");
    q.add("a");
    await abortableDelay(20);
    expect(runs).toBe(1);
    held.open();
    await until(() => runs === 2);
    await q.idle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  test("N workers process different keys in parallel, and no more than N", async () => {
    const held = gate();
    let running = 0;
    let maxRunning = 0;
    const q = queue<string>(
      async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await held.promise;
        running--;
      },
      { workers: 3 },
    );
    q.start();
    for (const key of ["a", "b", "c", "d", "e"]) q.add(key);
    await until(() => running === 3);
    await abortableDelay(20);
    expect(running).toBe(3);
    expect(q.depth).toBe(2);
    held.open();
    await q.idle();
    expect(maxRunning).toBe(3);
  });

  test("a failing key is retried with exponential backoff, capped, and reset by a success", async () => {
    const times: number[] = [];
    let failuresLeft = 5;
    const q = queue<string>(
      () => {
        times.push(performance.now());
        if (failuresLeft-- > 0) throw new Error("not yet");
      },
      { backoff: { baseMs: 20, maxMs: 80 } },
    );
    q.start();
    q.add("a");
    await until(() => times.length === 6, 5000);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 20, 40, 80, 80 (capped), 80
    const expected = [20, 40, 80, 80, 80];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]! - 2);
      expect(gap).toBeLessThan(expected[i]! + 250); // generous: timers run late on a loaded machine
    });
    await q.idle();
    expect(q.failureCount("a")).toBe(0);
  });

  test("retryFailedNow retries at once the keys waiting for a grown backoff, and only those", async () => {
    let failing = true;
    const runs: string[] = [];
    const q = queue<string>(
      (key) => {
        runs.push(key);
        if (key !== "later" && failing) throw new Error("API server unreachable");
      },
      { backoff: { baseMs: 5, maxMs: 60_000 } },
    );
    q.start();
    q.add("a");
    q.add("b");
    // let both fail until their backoff has grown past anything the test would wait for
    await until(() => q.failureCount("a") >= 8 && q.failureCount("b") >= 8, 10_000); // next backoff ≥ 1.28 s
    q.addAfter("later", 60_000); // delayed on purpose, never failed: keeps its time
    await until(() => q.delayedCount === 3);
    failing = false;
    const before = runs.length;
    expect(q.retryFailedNow()).toBe(2);
    await until(() => runs.length >= before + 2, 300);
    await q.idle();
    expect(runs.slice(before).sort()).toEqual(["a", "b"]);
    expect(q.failureCount("a")).toBe(0);
    expect(q.delayedCount).toBe(1); // "later" still waits
    expect(q.retryFailedNow()).toBe(0);
  });

  test("one failing key does not hold the others back", async () => {
    const seen: string[] = [];
    const q = queue<string>(
      (key) => {
        seen.push(key);
        if (key === "bad") throw new Error("always");
      },
      { backoff: { baseMs: 50, maxMs: 50 } },
    );
    q.start();
    q.add("bad");
    q.add("good-1");
    q.add("good-2");
    await until(() => seen.includes("good-2"));
    expect(seen.slice(0, 3)).toEqual(["bad", "good-1", "good-2"]);
    expect(q.failureCount("bad")).toBe(1);
  });

  test("addAfter delays a key; an earlier time wins, a later one never postpones it", async () => {
    const seen: Array<[string, number]> = [];
    const start = performance.now();
    const q = queue<string>((key) => void seen.push([key, performance.now() - start]));
    q.start();
    q.addAfter("a", 100);
    q.addAfter("a", 40);
    q.addAfter("a", 500);
    q.addAfter("b", 60);
    await until(() => seen.length === 2);
    expect(seen.map(([key]) => key)).toEqual(["a", "b"]);
    expect(seen[0]![1]).toBeGreaterThanOrEqual(38);
    expect(seen[0]![1]).toBeLessThan(100);
    await abortableDelay(120);
    expect(seen).toHaveLength(2);
    expect(q.delayedCount).toBe(0);
  });

  test("add makes a delayed key ready at once", async () => {
    const seen: string[] = [];
    const q = queue<string>((key) => void seen.push(key));
    q.start();
    q.addAfter("a", 10_000);
    q.add("a");
    await q.idle();
    expect(seen).toEqual(["a"]);
    expect(q.delayedCount).toBe(0);
  });

  test("a reconcile's requeueAfterMs brings the key back after that delay", async () => {
    let runs = 0;
    const q = queue<string>(() => (++runs < 3 ? { requeueAfterMs: 10 } : undefined));
    q.start();
    q.add("a");
    await until(() => runs === 3);
    await abortableDelay(30);
    expect(runs).toBe(3);
  });

  test("shutdown waits for in-flight work, drops waiting keys and ignores later adds", async () => {
    const held = gate();
    let finished = false;
    const seen: string[] = [];
    const q = queue<string>(async (key) => {
      seen.push(key);
      if (key === "slow") {
        await held.promise;
        finished = true;
      }
    });
    q.start();
    q.add("slow");
    q.add("waiting");
    q.addAfter("delayed", 10);
    await until(() => q.inFlight === 1);
    let stopped = false;
    const shutdown = q.shutdown().then(() => (stopped = true));
    q.add("late");
    await abortableDelay(30);
    expect(stopped).toBe(false);
    held.open();
    await shutdown;
    expect(finished).toBe(true);
    expect(seen).toEqual(["slow"]);
    expect(q.depth).toBe(0);
  });

  test("shutdown's grace period aborts in-flight reconciles' signal", async () => {
    let aborted = false;
    const q = queue<string>(async (_key, signal) => {
      await abortableDelay(10_000, signal);
      aborted = signal.aborted;
    });
    q.start();
    q.add("a");
    await until(() => q.inFlight === 1);
    const start = Date.now();
    await q.shutdown({ graceMs: 30 });
    expect(aborted).toBe(true);
    expect(Date.now() - start).toBeLessThan(1000);
  });

  test("records depth, adds, retries and durations in the given registry", async () => {
    const registry = new Registry();
    let fail = true;
    const q = queue<string>(
      async () => {
        await abortableDelay(5);
        if (fail) {
          fail = false;
          throw new Error("once");
        }
      },
      { registry, backoff: { baseMs: 1, maxMs: 1 } },
    );
    q.add("a");
    q.add("b");
    q.add("a");
    const depth = await registry.getSingleMetric("workqueue_depth")!.get();
    expect(depth.values).toEqual([{ labels: { name: "test" }, value: 2 }]);
    q.start();
    await until(() => q.depth === 0 && q.inFlight === 0 && q.delayedCount === 0);
    await q.idle();
    const text = await registry.metrics();
    expect(text).toContain('workqueue_adds_total{name="test"} 3');
    expect(text).toContain('workqueue_retries_total{name="test"} 1');
    expect(text).toContain('workqueue_work_duration_seconds_count{name="test"} 3');
    expect(text).toContain('workqueue_queue_duration_seconds_count{name="test"} 3');
    expect(text).toContain('workqueue_depth{name="test"} 0');
    // a second queue shares the metrics under its own name
    const other = new WorkQueue<string>({ name: "other", registry, reconcile: () => undefined });
    queues.push(other as WorkQueue<unknown>);
    other.add("x");
    expect(await registry.metrics()).toContain('workqueue_adds_total{name="other"} 1');
  });
});
