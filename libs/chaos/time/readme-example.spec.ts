import { readFileSync } from "node:fs";
import { followTimeChaosExample } from "./readme-example.js";
import { signedGoDurationRegexSource } from "./time-offset.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("gives what the README says", () => {
    expect(followTimeChaosExample()).toEqual({
      sent: { sec: -600n, nsec: -100n, clkIdsMask: 1n, uid: "5b7e3c1d-uid/busybox/busybox-0/busybox" },
      firstEntry: { key: "3e8f6993ada334413ecc1fc8ba9e686e", mask: 1, sec: -600, nsec: -100 },
      composed: { CLOCK_REALTIME: 2_999_999_999_900n, CLOCK_MONOTONIC: 3_600_000_000_000n },
      secondRecovered: { CLOCK_REALTIME: -600_000_000_100n },
      refused: 'timeOffset: "-10 minutes" is not a Go duration such as "-10m", "1h30m" or "100ms"',
    });
  });

  it("refuses at admission what it refuses: the CRD's syntax rule is the parser's pattern", () => {
    expect(new RegExp(signedGoDurationRegexSource, "u").test("-10 minutes")).toBe(false);
    expect(new RegExp(signedGoDurationRegexSource, "u").test("-10m100ns")).toBe(true);
  });
});
