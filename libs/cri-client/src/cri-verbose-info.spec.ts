import { pidFromCriVerboseInfo } from "./cri-verbose-info.js";

describe("pidFromCriVerboseInfo", () => {
  test("reads pid from the JSON under info", () => {
    expect(pidFromCriVerboseInfo({ info: JSON.stringify({ sandboxID: "s", pid: 4242 }) })).toBe(4242);
  });

  test.each([
    ["no info key", {}],
    ["info that is not JSON", { info: "pid=1" }],
    ["JSON that is not an object", { info: "42" }],
    ["pid 0 (exited)", { info: JSON.stringify({ pid: 0 }) }],
    ["a string pid", { info: JSON.stringify({ pid: "42" }) }],
    ["a fractional pid", { info: JSON.stringify({ pid: 4.5 }) }],
  ])("returns undefined for %s", (_, info: Record<string, string>) => {
    expect(pidFromCriVerboseInfo(info)).toBeUndefined();
  });
});
