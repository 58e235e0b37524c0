import { ipsetBuildScript, ipsetCreateLine, parseIpsetList } from "./ipset-state.js";

const listing = `Name: net_tgt
Type: hash:net
Revision: 7
Header: family inet hashsize 1024 maxelem 65536 comment skbinfo bucketsize 12 initval 0x2983b576
Size in memory: 504
References: 2
Number of entries: 1

Name: gone6
Type: hash:net,port
Revision: 8
Header: family inet6 hashsize 1024 maxelem 65536 counters comment skbinfo bucketsize 12 initval 0x1
Size in memory: 504
References: 0
Number of entries: 0

Name: someone-elses
Type: list:set
Revision: 3
Header: size 8
Size in memory: 80
References: 0
Number of entries: 0

Name: commented
Type: hash:net
Revision: 7
Header: family inet hashsize 1024 maxelem 65536 comment bucketsize 12 initval 0x2
Size in memory: 504
References: 0
Number of entries: 0
`;

describe("ipset state", () => {
  it("reads each set's type, family, references and Faultline's marks from ipset list -t", () => {
    expect(parseIpsetList(listing)).toEqual([
      { name: "net_tgt", type: "hash:net", family: "inet", references: 2, owned: true, stale: false },
      { name: "gone6", type: "hash:net,port", family: "inet6", references: 0, owned: true, stale: true },
      { name: "someone-elses", type: "list:set", family: undefined, references: 0, owned: false, stale: false },
      // comment alone is not the mark: someone else may use comments
      { name: "commented", type: "hash:net", family: "inet", references: 0, owned: false, stale: false },
    ]);
  });

  it("creates sets with the comment skbinfo mark (and counters for a given-up one), big enough for their members", () => {
    expect(ipsetCreateLine("a", "hash:net", "inet6", 10)).toBe("create a hash:net family inet6 maxelem 65536 comment skbinfo");
    expect(ipsetCreateLine("a", "hash:net", "inet", 100_000)).toBe("create a hash:net family inet maxelem 100000 comment skbinfo");
    expect(ipsetCreateLine("l", "list:set", undefined, 20, true)).toBe("create l list:set size 20 comment skbinfo counters");
    expect(ipsetBuildScript({ name: "n", type: "hash:net,port", family: "inet", members: ["10.0.0.0/8,80"] }, "fltmp-1")).toBe(
      "create fltmp-1 hash:net,port family inet maxelem 65536 comment skbinfo\nadd fltmp-1 10.0.0.0/8,80\n",
    );
  });
});
