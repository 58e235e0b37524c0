import { memorySizePattern } from "./stress-ng-grammar.js";

const units: { [unit: string]: number } = {
  "": 1,
  k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15,
  ki: 2 ** 10, mi: 2 ** 20, gi: 2 ** 30, ti: 2 ** 40, pi: 2 ** 50,
};

/** A memory size that is not "N%" (0–100) nor bytes with a unit. */
export class MemorySizeError extends Error {
  override name = "MemorySizeError";
}

/**
 * The bytes a StressChaos `size` stands for: "N%" of `wholeBytes` (the container's memory limit,
 * or the node's memory), or a byte count with an optional unit — decimal (`kB`, `MB`, `GB`…: 10³,
 * 10⁶, 10⁹) or binary (`KiB`, `MiB`, `GiB`…: 2¹⁰, 2²⁰, 2³⁰); the trailing `B` is optional.
 *
 * @example
 * memorySizeBytes("256MB", 0);           // 256_000_000
 * memorySizeBytes("1GiB", 0);            // 1_073_741_824
 * memorySizeBytes("25%", 200 * 2 ** 20); // 52_428_800
 */
export function memorySizeBytes(size: string, wholeBytes: number): number {
  if (!new RegExp(memorySizePattern).test(size)) {
    throw new MemorySizeError(`size ${JSON.stringify(size)} is neither "N%" nor bytes with a unit (e.g. "256MB", "1GiB")`);
  }
  if (size.endsWith("%")) {
    const percent = Number(size.slice(0, -1));
    if (percent > 100) throw new MemorySizeError(`size ${size} is more than 100%`);
    return Math.floor((wholeBytes * percent) / 100);
  }
  const [, number, unit] = /^([0-9.]+) ?([a-zA-Z]*)$/.exec(size)!;
  const factor = units[unit!.toLowerCase().replace(/b$/, "")];
  if (factor === undefined) throw new MemorySizeError(`size ${size}: unknown unit ${unit}`);
  return Math.floor(Number(number) * factor);
}
