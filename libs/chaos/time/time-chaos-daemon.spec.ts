import { vdsoMappingOf, watchRetryDelayMs } from "./time-chaos-daemon.js";

// The daemon's pure pieces. What it does with a state directory, procfs, cgroups and the helper is
// shown on the real parts in time-chaos-daemon.integration.spec.ts.

describe("vdsoMappingOf", () => {
  const vdso = "7ffd1a2b3000-7ffd1a2b5000 r-xp 00000000 00:00 0                          [vdso]";
  it("finds the line whose pathname field is exactly [vdso]", () => {
    expect(vdsoMappingOf(["55d0c0000000-55d0c0001000 r--p 00000000 08:01 42 /usr/bin/app", vdso, ""].join("\n"))).toEqual({ start: "7ffd1a2b3000", end: "7ffd1a2b5000" });
  });

  it("does not take a file whose path contains [vdso] (it may come first), nor [vdso_data] or [vvar]", () => {
    const maps = [
      "7f0000000000-7f0000002000 r--s 00000000 08:01 99                         /tmp/x/[vdso]",
      "7f0000010000-7f0000012000 r--p 00000000 00:00 0                          [vvar]",
      "7f0000020000-7f0000022000 r--p 00000000 00:00 0                          [vdso_data]",
      vdso,
    ].join("\n");
    expect(vdsoMappingOf(maps)).toEqual({ start: "7ffd1a2b3000", end: "7ffd1a2b5000" });
    expect(vdsoMappingOf(maps.split("\n").slice(0, 3).join("\n"))).toBeUndefined();
  });
});

describe("watchRetryDelayMs", () => {
  it("backs off from one watch interval, doubling per failure, at most 30 s", () => {
    expect([1, 2, 3, 4].map(watchRetryDelayMs)).toEqual([200, 400, 800, 1600]);
    expect(watchRetryDelayMs(20)).toBe(30_000);
  });
});
