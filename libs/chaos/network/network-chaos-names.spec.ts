import { createHash } from "node:crypto";
import { compressName, ipsetNames, partitionChainName } from "./network-chaos-names.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("Chaos Mesh's names", () => {
  it("keeps a short name whole", () => {
    expect(compressName("web", 27, "net_tgt")).toBe("web_net_tgt");
  });

  it("hashes the rest of a long name to fit the length", () => {
    const name = compressName("network-partition-example", 27, "net_netgt");
    expect(name).toBe(`netwo_${sha("rk-partition-example").slice(0, 11)}_net_netgt`);
    expect(name).toHaveLength(27);
  });

  it("names partition chains by direction within iptables' 28 characters", () => {
    expect(partitionChainName("partition", "INPUT")).toBe(`INPUT/parti_${sha("tion").slice(0, 14)}_`);
    expect(partitionChainName("partition", "OUTPUT")).toBe(`OUTPUT/parti_${sha("tion").slice(0, 13)}_`);
    expect(partitionChainName("partition", "OUTPUT").length).toBeLessThanOrEqual(28);
  });

  it("gives every ipset of one postfix a distinct name of at most 31 characters", () => {
    const names = Object.values(ipsetNames("a-rather-long-network-chaos-name", "basrc"));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(31);
  });
});
