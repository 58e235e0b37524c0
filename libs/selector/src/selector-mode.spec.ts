import type { SelectorMode } from "@faultline/api";
import { sequence } from "./pod-fixtures.test-support.js";
import { SelectorError } from "./selector-error.js";
import { applySelectorMode, selectionCount } from "./selector-mode.js";

const items = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];

function failure(run: () => unknown): SelectorError {
  try {
    run();
  } catch (error) {
    if (error instanceof SelectorError) return error;
    throw error;
  }
  throw new Error("did not fail");
}

describe("selectionCount", () => {
  it.each<[SelectorMode, string | undefined, number, number]>([
    ["one", undefined, 10, 1],
    ["one", "", 0, 0],
    ["one", "7", 3, 1],
    ["all", undefined, 10, 10],
    ["all", "1", 10, 10],
    ["all", undefined, 0, 0],
    ["fixed", "3", 10, 3],
    ["fixed", "10", 10, 10],
    ["fixed", "11", 10, 10],
    ["fixed", "5", 0, 0],
    ["fixed-percent", "50", 10, 5],
    ["fixed-percent", "25", 10, 3],
    ["fixed-percent", "1", 10, 1],
    ["fixed-percent", "33", 3, 1],
    ["fixed-percent", "34", 3, 2],
    ["fixed-percent", "100", 10, 10],
    ["fixed-percent", "100", 0, 0],
  ])("%s %j of %d → %d", (mode, value, available, expected) => {
    expect(selectionCount(mode, value, available)).toBe(expected);
  });

  it("random-max-percent draws a percent in [0, max] and takes its ceiling", () => {
    // random 0 → 0%, 0.999 → max%, 0.5 with max 50 → floor(0.5 × 51) = 25%
    expect(selectionCount("random-max-percent", "50", 10, () => 0)).toBe(0);
    expect(selectionCount("random-max-percent", "50", 10, () => 0.999)).toBe(5);
    expect(selectionCount("random-max-percent", "50", 10, () => 0.5)).toBe(3);
    expect(selectionCount("random-max-percent", "100", 10, () => 0.999)).toBe(10);
    expect(selectionCount("random-max-percent", "1", 10, () => 0.9)).toBe(1);
  });

  it("random-max-percent reaches every percent from 0 to max", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(selectionCount("random-max-percent", "10", 100, () => i / 1000));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it.each<[SelectorMode, string | undefined, RegExp]>([
    ["fixed", undefined, /mode fixed needs a value/],
    ["fixed", "", /needs a value/],
    ["fixed", "0", /must be greater than 0/],
    ["fixed", "-2", /must be greater than 0/],
    ["fixed", "two", /is not an integer/],
    ["fixed", "1.5", /is not an integer/],
    ["fixed-percent", "0", /not a percentage in \(0, 100\]/],
    ["fixed-percent", "101", /not a percentage/],
    ["fixed-percent", "50%", /is not an integer/],
    ["fixed-percent", undefined, /needs a value/],
    ["random-max-percent", "0", /not a percentage/],
    ["random-max-percent", "150", /not a percentage/],
    ["random-max-percent", undefined, /needs a value/],
  ])("%s with value %j is an InvalidValue error", (mode, value, message) => {
    const error = failure(() => selectionCount(mode, value, 10));
    expect(error.reason).toBe("InvalidValue");
    expect(error.message).toMatch(message);
  });

  it("checks the value even when nothing is available", () => {
    expect(failure(() => selectionCount("fixed", "0", 0)).reason).toBe("InvalidValue");
  });

  it("rejects an unknown mode with InvalidMode", () => {
    const error = failure(() => selectionCount("some" as SelectorMode, undefined, 10));
    expect(error.reason).toBe("InvalidMode");
    expect(error.message).toBe('mode "some" is not one of one, all, fixed, fixed-percent, random-max-percent');
  });
});

describe("applySelectorMode", () => {
  it("all returns every item in order", () => {
    expect(applySelectorMode(items, "all", undefined)).toEqual(items);
  });

  it("one returns a single item chosen by random", () => {
    expect(applySelectorMode(items, "one", undefined, () => 0)).toEqual(["a"]);
    expect(applySelectorMode(items, "one", undefined, () => 0.75)).toEqual(["h"]);
    expect(applySelectorMode(items, "one", undefined, () => 0.99999)).toEqual(["j"]);
  });

  it("fixed returns distinct items in their original order", () => {
    for (let run = 0; run < 50; run++) {
      const chosen = applySelectorMode(items, "fixed", "4");
      expect(chosen).toHaveLength(4);
      expect(new Set(chosen).size).toBe(4);
      expect(chosen).toEqual(items.filter((item) => chosen.includes(item)));
    }
  });

  it("fixed with more than available returns everything", () => {
    expect(applySelectorMode(["a", "b"], "fixed", "5")).toEqual(["a", "b"]);
  });

  it("fixed-percent 100 returns everything", () => {
    expect(applySelectorMode(items, "fixed-percent", "100")).toEqual(items);
  });

  it("random-max-percent drawing 0% returns nothing, never everything", () => {
    expect(applySelectorMode(items, "random-max-percent", "30", () => 0)).toEqual([]);
    expect(applySelectorMode(["only"], "random-max-percent", "100", () => 0)).toEqual([]);
  });

  it("uses the injected random for the choice", () => {
    // count = ⌈10 × 20%⌉ = 2; the shuffle then swaps index 0 with 9 and index 1 with 1
    expect(applySelectorMode(items, "fixed-percent", "20", sequence(0.99, 0))).toEqual(["b", "j"]);
  });

  it("copes with a random that returns 1", () => {
    expect(applySelectorMode(items, "fixed", "3", () => 1)).toHaveLength(3);
  });

  it("returns an empty list for no items", () => {
    expect(applySelectorMode([], "one", undefined)).toEqual([]);
    expect(applySelectorMode([], "fixed", "3")).toEqual([]);
  });

  it("does not modify its input", () => {
    const input = Object.freeze([...items]);
    applySelectorMode(input, "fixed", "5");
    expect(input).toEqual(items);
  });

  it("picks every item about equally often", () => {
    const counts = new Map<string, number>();
    for (let run = 0; run < 2000; run++) {
      for (const item of applySelectorMode(items, "fixed", "3")) counts.set(item, (counts.get(item) ?? 0) + 1);
    }
    for (const item of items) expect(counts.get(item)).toBeGreaterThan(450); // expected 600
  });
});
