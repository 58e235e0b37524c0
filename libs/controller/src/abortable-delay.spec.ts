import { abortableDelay } from "./abortable-delay.js";

describe("abortableDelay", () => {
  test("waits the given time", async () => {
    const start = Date.now();
    await abortableDelay(50);
    expect(Date.now() - start).toBeGreaterThanOrEqual(45);
  });

  test("ends early when the signal aborts, and at once when it already has", async () => {
    const controller = new AbortController();
    const start = Date.now();
    setTimeout(() => controller.abort(), 20);
    await abortableDelay(10_000, controller.signal);
    await abortableDelay(10_000, controller.signal);
    expect(Date.now() - start).toBeLessThan(1000);
  });
});
