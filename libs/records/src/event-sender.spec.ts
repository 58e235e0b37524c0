import { createEventSender } from "./event-sender.js";
import { testObject } from "./testing/in-memory-seams.test-support.js";

describe("createEventSender", () => {
  it("sends without waiting, and waits for what was sent at most the bound", async () => {
    const started: string[] = [];
    const sender = createEventSender({ record: (_obj, event) => (started.push(event.reason), new Promise<void>(() => undefined)) }); // a hung API server
    sender.send(testObject("a"), "Normal", "Applied", "m");
    expect(started).toEqual(["Applied"]);
    const before = Date.now();
    await sender.settled(50);
    expect(Date.now() - before).toBeGreaterThanOrEqual(45);
    expect(Date.now() - before).toBeLessThan(1000);
  });

  it("resolves as soon as every Event settled, a throwing recorder included", async () => {
    const sender = createEventSender({ record: async () => Promise.reject(new Error("recorder broke its contract")) });
    sender.send(testObject("a"), "Warning", "Failed", "m");
    const before = Date.now();
    await sender.settled(5000);
    expect(Date.now() - before).toBeLessThan(1000);
  });
});
