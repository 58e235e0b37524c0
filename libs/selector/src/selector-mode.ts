import { selectorModes, type SelectorMode } from "@faultline/api";
import { SelectorError } from "./selector-error.js";

function parseValue(mode: SelectorMode, value: string | undefined): number {
  if (value === undefined || value === "") {
    throw new SelectorError("InvalidValue", `mode ${mode} needs a value`);
  }
  if (!/^[+-]?[0-9]+$/.test(value)) {
    throw new SelectorError("InvalidValue", `value ${JSON.stringify(value)} of mode ${mode} is not an integer`);
  }
  return Number.parseInt(value, 10);
}

function parsePercent(mode: SelectorMode, value: string | undefined): number {
  const percent = parseValue(mode, value);
  if (percent <= 0 || percent > 100) {
    throw new SelectorError("InvalidValue", `value ${value} of mode ${mode} is not a percentage in (0, 100]`);
  }
  return percent;
}

/**
 * How many of `available` targets a mode selects. Throws a SelectorError for an unknown mode or a
 * value the mode cannot use, even when nothing is available.
 *
 * - `one`: 1; `all`: every target (the value is ignored by both);
 * - `fixed`: the value, at most `available`; a value ≤ 0 is an error;
 * - `fixed-percent`: ⌈available × value / 100⌉, value in (0, 100];
 * - `random-max-percent`: ⌈available × p / 100⌉ for a random p in [0, value], value in (0, 100];
 *   p may be 0, and then nothing is selected.
 *
 * `random` returns a number in [0, 1), as Math.random does.
 *
 * ```ts
 * selectionCount("fixed-percent", "50", 3); // 2
 * ```
 */
export function selectionCount(
  mode: SelectorMode,
  value: string | undefined,
  available: number,
  random: () => number = Math.random,
): number {
  switch (mode) {
    case "one":
      return Math.min(1, available);
    case "all":
      return available;
    case "fixed": {
      const count = parseValue(mode, value);
      if (count <= 0) throw new SelectorError("InvalidValue", `value ${value} of mode fixed must be greater than 0`);
      return Math.min(count, available);
    }
    case "fixed-percent":
      return Math.ceil((available * parsePercent(mode, value)) / 100);
    case "random-max-percent": {
      const max = parsePercent(mode, value);
      const percent = Math.min(max, Math.floor(random() * (max + 1)));
      return Math.ceil((available * percent) / 100);
    }
    default:
      throw new SelectorError(
        "InvalidMode",
        `mode ${JSON.stringify(mode)} is not one of ${selectorModes.join(", ")}`,
      );
  }
}

/**
 * The items a selector mode picks, chosen at random, in their original order. Pure: the only
 * randomness comes from `random`. An empty result is possible (no items, or random-max-percent
 * drawing 0%) and never means "all".
 *
 * ```ts
 * applySelectorMode(["a", "b", "c", "d"], "fixed", "2"); // two of them, e.g. ["a", "d"]
 * ```
 */
export function applySelectorMode<T>(
  items: readonly T[],
  mode: SelectorMode,
  value: string | undefined,
  random: () => number = Math.random,
): T[] {
  const count = selectionCount(mode, value, items.length, random);
  if (count >= items.length) return [...items];
  // a partial Fisher-Yates shuffle of the indexes picks `count` distinct ones uniformly
  const indexes = items.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.min(indexes.length - i - 1, Math.floor(random() * (indexes.length - i)));
    [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}
