import { readFileSync } from "node:fs";
import { followMemoryStressExample } from "./readme-example.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("gives what the README says", () => {
    expect(followMemoryStressExample()).toEqual({
      sent: { cpuStressors: "", memoryStressors: "--workers 4 --size 256MB", oomScoreAdj: 0 },
      recordKey: "2f0c1e7a-uid/shop/web-0/web",
      argv: ["--vm", "4", "--vm-bytes", "256000000b", "--vm-keep", "--vm-hang", "0"],
      refused: 'cpuStressors holds a character other than letters, digits, ". _ % : , + = -" and spaces: "--cpu 1; reboot"',
    });
  });
});
