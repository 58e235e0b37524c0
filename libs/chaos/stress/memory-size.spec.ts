import { MemorySizeError, memorySizeBytes } from "./memory-size.js";

describe("memorySizeBytes", () => {
  it.each([
    ["256MB", 256e6],
    ["256M", 256e6],
    ["1GiB", 2 ** 30],
    ["512Mi", 512 * 2 ** 20],
    ["10GB", 10e9],
    ["1.5G", 1.5e9],
    ["2kb", 2000],
    ["64 MB", 64e6],
    ["4096", 4096],
    ["100b", 100],
  ])("reads %j as %d bytes", (size, bytes) => {
    expect(memorySizeBytes(size, 0)).toBe(bytes);
  });

  it("takes a percentage of the whole it is given (the container's limit)", () => {
    expect(memorySizeBytes("25%", 400 * 2 ** 20)).toBe(100 * 2 ** 20);
    expect(memorySizeBytes("100%", 1000)).toBe(1000);
    expect(memorySizeBytes("0%", 1000)).toBe(0);
    expect(memorySizeBytes("33%", 1000)).toBe(330);
  });

  it.each(["150%", "lots", "", "-1", "1e9", "MB", "1 2"])("refuses %j", (size) => {
    expect(() => memorySizeBytes(size, 1000)).toThrow(MemorySizeError);
  });
});
