import { InvalidTimeOffsetError, UnknownClockIdError, clockIdsMask, clockIdsOfMask, splitTimeOffset, timeChaosClockIds, timeOffsetNanos } from "./time-offset.js";

describe("timeOffsetNanos", () => {
  it.each([
    ["-10m", -600_000_000_000n],
    ["1h30m", 5_400_000_000_000n],
    ["100ms", 100_000_000n],
    ["-10m100ns", -600_000_000_100n],
    ["1.5h", 5_400_000_000_000n],
    [".5s", 500_000_000n],
    ["5.s", 5_000_000_000n],
    ["+2s", 2_000_000_000n],
    ["1us", 1000n],
    ["1\u00b5s", 1000n],
    ["1.0000000005s", 1_000_000_000n],
    ["0", 0n],
    ["-0", 0n],
    ["2777777h46m40s", 10_000_000_000n * 1_000_000_000n],
  ])("reads %s as Go does, to the nanosecond", (text, ns) => {
    expect(timeOffsetNanos(text)).toBe(ns);
  });

  it.each(["", "10", "1d", "1h 30m", "--1s", "h", "1.5.5s", "- 1s", "1e3s", "10M"])("refuses %j, naming the field", (text) => {
    expect(() => timeOffsetNanos(text)).toThrow(InvalidTimeOffsetError);
    expect(() => timeOffsetNanos(text)).toThrow(/^timeOffset: .* is not a Go duration/);
  });

  it("refuses more than 10^10 seconds either way", () => {
    expect(timeOffsetNanos("-10000000000s")).toBe(-10_000_000_000n * 1_000_000_000n);
    expect(() => timeOffsetNanos("10000000000.000000001s")).toThrow(/timeOffset: "10000000000.000000001s" is more than 10000000000 seconds away/);
    expect(() => timeOffsetNanos("-2777778h")).toThrow(/more than 10000000000 seconds/);
  });
});

describe("splitTimeOffset", () => {
  it("truncates sec toward zero and keeps the remainder's sign (Chaos Mesh's split)", () => {
    expect(splitTimeOffset(-1_500_000_000n)).toEqual({ sec: -1n, nsec: -500_000_000n });
    expect(splitTimeOffset(1_500_000_000n)).toEqual({ sec: 1n, nsec: 500_000_000n });
    expect(splitTimeOffset(-100n)).toEqual({ sec: 0n, nsec: -100n });
    expect(splitTimeOffset(-600_000_000_100n)).toEqual({ sec: -600n, nsec: -100n });
    expect(splitTimeOffset(3_600_000_000_000n)).toEqual({ sec: 3600n, nsec: 0n });
    expect(splitTimeOffset(0n)).toEqual({ sec: 0n, nsec: 0n });
  });
});

describe("clockIdsMask", () => {
  it("sets bit n for Linux clock id n", () => {
    expect(clockIdsMask(["CLOCK_REALTIME"])).toBe(1n);
    expect(clockIdsMask(["CLOCK_MONOTONIC"])).toBe(2n);
    expect(clockIdsMask(["CLOCK_BOOTTIME"])).toBe(1n << 7n);
    expect(clockIdsMask(["CLOCK_BOOTTIME_ALARM", "CLOCK_REALTIME"])).toBe((1n << 9n) | 1n);
    expect(clockIdsMask([...timeChaosClockIds])).toBe(0x3ffn);
    // the order is Linux's: CLOCK_MONOTONIC_RAW is 4, CLOCK_REALTIME_ALARM 8
    expect(timeChaosClockIds.indexOf("CLOCK_MONOTONIC_RAW")).toBe(4);
    expect(timeChaosClockIds.indexOf("CLOCK_REALTIME_ALARM")).toBe(8);
  });

  it("defaults to CLOCK_REALTIME when absent or empty, and a repeated id is one bit", () => {
    expect(clockIdsMask(undefined)).toBe(1n);
    expect(clockIdsMask([])).toBe(1n);
    expect(clockIdsMask(["CLOCK_MONOTONIC", "CLOCK_MONOTONIC"])).toBe(2n);
  });

  it("refuses an unknown clock id, naming it and its index", () => {
    expect(() => clockIdsMask(["CLOCK_REALTIME", "CLOCK_TAI"])).toThrow(UnknownClockIdError);
    expect(() => clockIdsMask(["CLOCK_REALTIME", "CLOCK_TAI"])).toThrow(/^clockIds\[1\]: "CLOCK_TAI" is not one of CLOCK_REALTIME, /);
  });

  it("reads a mask back as clock ids", () => {
    expect(clockIdsOfMask(0b10000011n)).toEqual(["CLOCK_REALTIME", "CLOCK_MONOTONIC", "CLOCK_BOOTTIME"]);
  });
});
