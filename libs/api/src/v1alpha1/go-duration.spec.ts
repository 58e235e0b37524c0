import { InvalidDurationError, parseGoDuration } from "./go-duration.js";

describe("parseGoDuration", () => {
  it.each([
    ["30s", 30_000],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
    ["2h45m", 9_900_000],
    ["0", 0],
    ["1500us", 1.5],
    ["-1s", -1000],
  ])("%s is %d ms", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(["", "30", "1d", "s", "1m 30s", "abc"])("refuses %j", (text) => {
    expect(() => parseGoDuration(text)).toThrow(InvalidDurationError);
  });
});
