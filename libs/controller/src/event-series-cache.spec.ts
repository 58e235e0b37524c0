import { EventSeriesCache } from "./event-series-cache.js";

const series = (name: string) => ({ namespace: "ns", name, count: 1, firstTimestamp: new Date(0) });

describe("EventSeriesCache", () => {
  it("keys Events by object, type, reason and message", () => {
    const obj = { uid: "u1", kind: "PodChaos", namespace: "ns", name: "a" };
    const key = EventSeriesCache.key(obj, "Normal", "Applied", "m");
    expect(EventSeriesCache.key({ ...obj }, "Normal", "Applied", "m")).toBe(key);
    for (const other of [
      EventSeriesCache.key({ ...obj, uid: "u2" }, "Normal", "Applied", "m"),
      EventSeriesCache.key(obj, "Warning", "Applied", "m"),
      EventSeriesCache.key(obj, "Normal", "Failed", "m"),
      EventSeriesCache.key(obj, "Normal", "Applied", "n"),
      // no field can run into the next one
      EventSeriesCache.key({ ...obj, name: "a\",\"Normal" }, "", "Applied", "m"),
    ]) {
      expect(other).not.toBe(key);
    }
  });

  it("forgets the least recently used series first when full", () => {
    const cache = new EventSeriesCache(2);
    cache.set("a", series("a"));
    cache.set("b", series("b"));
    expect(cache.get("a")?.name).toBe("a"); // a is now the most recently used
    cache.set("c", series("c"));
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")?.name).toBe("a");
    expect(cache.get("c")?.name).toBe("c");
    expect(cache.size).toBe(2);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new EventSeriesCache(0)).toThrow(/positive integer/);
  });
});
