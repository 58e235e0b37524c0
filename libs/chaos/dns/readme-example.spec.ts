import { readFileSync } from "node:fs";
import { followDnsChaosExample } from "./readme-example.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("gives what the README says", () => {
    expect(followDnsChaosExample()).toEqual({
      sent: { action: "random", patterns: ["google.com", "chaos-mesh.*", "github.?om"] },
      recordKey: "2f0c1e7a-uid/busybox/busybox-0/busybox",
      caught: ["google.com", "chaos-mesh.org", "github.com"],
      refused: 'pattern "*.google.com" has "*" before its end: only a trailing "*" is allowed',
    });
  });
});
