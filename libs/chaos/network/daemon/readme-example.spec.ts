import { readFileSync } from "node:fs";
import { netemlessNode } from "./readme-example.js";

describe("README example", () => {
  it("is readme-example.ts, verbatim", () => {
    const readme = readFileSync(new URL("./README.md", import.meta.url), "utf8");
    const example = readFileSync(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```");
  });

  it("refuses delay on a netem-less node and plans loss and per-target bandwidth there", () => {
    const { refusal, plan, possible } = netemlessNode();
    expect(refusal).toBe("node node-1 cannot inject this: it lacks qdisc/netem (delay/loss/duplicate/corrupt on eth0 (tc netem))");
    expect(possible).toEqual([]);
    expect(plan.commands.map((c) => c.join(" "))).toEqual([
      "tc qdisc add dev eth0 root handle 1: htb default 1",
      "tc class add dev eth0 parent 1: classid 1:1 htb rate 100gbit quantum 60000",
      "tc class add dev eth0 parent 1: classid 1:2 htb rate 100gbit quantum 60000",
      "tc qdisc add dev eth0 parent 1:2 handle 2: tbf rate 8mbit burst 10000 limit 20000",
    ]);
    expect(plan.mangle.ipv4.chains.get("FAULTLINE-TC")).toEqual([
      "-o eth0 -m statistic --mode random --probability 0.250000 -j DROP",
      "-o eth0 -m set --match-set ba_tgt dst,dst -j CLASSIFY --set-class 1:2",
    ]);
  });
});
