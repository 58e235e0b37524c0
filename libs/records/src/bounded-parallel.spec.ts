import { runBounded } from "./bounded-parallel.js";

describe("runBounded", () => {
  it("never runs more than the bound at once, and runs every item", async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      done.push(n);
      running--;
    });
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("treats a bound below 1 as 1, and finishes the others before rethrowing", async () => {
    const done: number[] = [];
    await expect(
      runBounded([1, 2, 3], 0, async (n) => {
        if (n === 1) throw new Error("one");
        done.push(n);
      }),
    ).rejects.toThrow("one");
    expect(done).toEqual([2, 3]);
  });
});
