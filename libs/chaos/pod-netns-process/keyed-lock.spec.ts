import { KeyedLock } from "./keyed-lock.js";

describe("KeyedLock", () => {
  it("runs calls on one key one after another, other keys alongside, and survives a failure", async () => {
    const lock = new KeyedLock();
    const events: string[] = [];
    const step = (name: string, ms: number, fail = false) => async () => {
      events.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      events.push(`${name}-`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run("a", step("a1", 30, true)), lock.run("a", step("a2", 1)), lock.run("b", step("b1", 5))]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    expect(events.indexOf("a2+")).toBeGreaterThan(events.indexOf("a1-"));
    expect(events.indexOf("b1+")).toBeLessThan(events.indexOf("a1-"));
  });
});
