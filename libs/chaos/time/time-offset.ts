/**
 * TimeChaos's offset and clocks as the manager turns a spec into a TimeRequest, and as the daemon
 * checks one: a Go duration to exact nanoseconds, Chaos Mesh's sec/nsec split, the clock-id mask.
 */

/** The clock ids `spec.clockIds` may name, each at its Linux clock id (its bit in `clk_ids_mask`). */
export const timeChaosClockIds = [
  "CLOCK_REALTIME",
  "CLOCK_MONOTONIC",
  "CLOCK_PROCESS_CPUTIME_ID",
  "CLOCK_THREAD_CPUTIME_ID",
  "CLOCK_MONOTONIC_RAW",
  "CLOCK_REALTIME_COARSE",
  "CLOCK_MONOTONIC_COARSE",
  "CLOCK_BOOTTIME",
  "CLOCK_REALTIME_ALARM",
  "CLOCK_BOOTTIME_ALARM",
] as const;
export type TimeChaosClockId = (typeof timeChaosClockIds)[number];

/** The clocks shifted when `clockIds` is absent (Chaos Mesh's default). */
export const defaultTimeChaosClockIds: readonly TimeChaosClockId[] = ["CLOCK_REALTIME"];

/** The largest offset, either way: 10^10 seconds (about 317 years). */
export const maxTimeOffsetSeconds = 10_000_000_000;

/** The bits a mask may hold: one per clock id above (0..9). */
export const timeChaosMaskBits = (1n << BigInt(timeChaosClockIds.length)) - 1n;

/** A Go duration, signed, as time.ParseDuration reads it ("-10m", "1h30m", "100ms", "1.5h", "0"). */
export const signedGoDurationRegexSource = "^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)$";

const unitNs: { [unit: string]: bigint } = { ns: 1n, us: 1000n, "\u00b5s": 1000n, "\u03bcs": 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };

/** Thrown for a timeOffset that is not a Go duration or is out of bounds; the message names the field. */
export class InvalidTimeOffsetError extends Error {
  override name = "InvalidTimeOffsetError";
}

/**
 * `spec.timeOffset` in nanoseconds, exactly (a fraction is truncated toward zero at the
 * nanosecond, as Go does). Refuses what Go's time.ParseDuration refuses and anything beyond
 * {@link maxTimeOffsetSeconds}.
 *
 * @example
 * timeOffsetNanos("-10m100ns") // -600000000100n
 */
export function timeOffsetNanos(offset: string): bigint {
  if (!new RegExp(signedGoDurationRegexSource, "u").test(offset)) {
    throw new InvalidTimeOffsetError(`timeOffset: ${JSON.stringify(offset.slice(0, 100))} is not a Go duration such as "-10m", "1h30m" or "100ms"`);
  }
  let total = 0n;
  for (const part of offset.matchAll(/([0-9]*)(?:\.([0-9]*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/gu)) {
    const unit = unitNs[part[3]!]!;
    const fraction = part[2] ?? "";
    total += BigInt(part[1] || "0") * unit + (fraction === "" ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length));
  }
  const ns = offset.startsWith("-") ? -total : total;
  if (ns > BigInt(maxTimeOffsetSeconds) * 1_000_000_000n || ns < -BigInt(maxTimeOffsetSeconds) * 1_000_000_000n) {
    throw new InvalidTimeOffsetError(`timeOffset: ${JSON.stringify(offset)} is more than ${maxTimeOffsetSeconds} seconds away`);
  }
  return ns;
}

/**
 * Chaos Mesh's split of an offset: sec = ns / 10^9 truncated toward zero, nsec the remainder, of
 * the same sign (so -1.5 s is sec -1, nsec -500000000).
 */
export function splitTimeOffset(ns: bigint): { sec: bigint; nsec: bigint } {
  const sec = ns / 1_000_000_000n; // BigInt division truncates toward zero
  return { sec, nsec: ns - sec * 1_000_000_000n };
}

/** Thrown for a clock id outside {@link timeChaosClockIds}. */
export class UnknownClockIdError extends Error {
  override name = "UnknownClockIdError";
}

/**
 * The `clk_ids_mask` of a spec's clock ids: bit n for the clock whose Linux id is n
 * (CLOCK_REALTIME 1 << 0, CLOCK_MONOTONIC 1 << 1, …); absent or empty: CLOCK_REALTIME.
 */
export function clockIdsMask(clockIds: readonly string[] | undefined): bigint {
  const ids = clockIds === undefined || clockIds.length === 0 ? defaultTimeChaosClockIds : clockIds;
  let mask = 0n;
  for (const [i, id] of ids.entries()) {
    const bit = timeChaosClockIds.indexOf(id as TimeChaosClockId);
    if (bit < 0) throw new UnknownClockIdError(`clockIds[${i}]: ${JSON.stringify(id.slice(0, 100))} is not one of ${timeChaosClockIds.join(", ")}`);
    mask |= 1n << BigInt(bit);
  }
  return mask;
}

/** The clock ids of a mask, in id order (for logs and ListTimeChaos readers). */
export function clockIdsOfMask(mask: bigint): TimeChaosClockId[] {
  return timeChaosClockIds.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}
