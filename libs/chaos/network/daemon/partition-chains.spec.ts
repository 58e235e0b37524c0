import { validChains } from "./network-request-validation.js";
import { chainRules, partitionChains } from "./partition-chains.js";
import { create } from "@bufbuild/protobuf";
import { ChainSchema, Chain_Direction } from "@faultline/api";

const chain = (c: object) => validChains([create(ChainSchema, { name: "OUTPUT/x", direction: Chain_Direction.OUTPUT, target: "DROP", ...c } as never)])[0]!;

describe("partition chains", () => {
  it("builds Chaos Mesh's rules: OUTPUT matches dst,dst with -o, INPUT src,dst with -i", () => {
    expect(chainRules(chain({ ipsets: ["s"] }), "ipv4", new Map([["s", "inet"]]))).toEqual(["-o eth0 -m set --match-set s dst,dst -j DROP"]);
    expect(chainRules(chain({ direction: Chain_Direction.INPUT, ipsets: ["s"], device: "net1" }), "ipv4", new Map([["s", "inet"]]))).toEqual(["-i net1 -m set --match-set s src,dst -j DROP"]);
  });

  it("adds protocol, single and multiport ports and tcp flags", () => {
    expect(chainRules(chain({ ipsets: ["s"], protocol: "tcp", sourcePorts: "1000:2000", destinationPorts: "80,443", tcpFlags: "SYN,RST SYN" }), "ipv4", new Map([["s", "inet"]]))).toEqual([
      "-o eth0 -p tcp -m set --match-set s dst,dst --sport 1000:2000 -m multiport --dports 80,443 --tcp-flags SYN,RST SYN -j DROP",
    ]);
  });

  it("drops all of a device's traffic when a chain names no ipset, in both families", () => {
    expect(chainRules(chain({}), "ipv4", new Map())).toEqual(["-o eth0 -j DROP"]);
    expect(chainRules(chain({ protocol: "icmp" }), "ipv6", new Map())).toEqual(["-o eth0 -p ipv6-icmp -j DROP"]);
  });

  it("keeps each set's rules to its family; list:sets go to both", () => {
    const fam = new Map<string, "inet" | "inet6" | undefined>([["v4", "inet"], ["v6", "inet6"], ["l", undefined]]);
    const c = chain({ ipsets: ["v4", "v6", "l"] });
    expect(chainRules(c, "ipv4", fam).map((r) => r.split(" ")[5])).toEqual(["v4", "l"]);
    expect(chainRules(c, "ipv6", fam).map((r) => r.split(" ")[5])).toEqual(["v6", "l"]);
  });

  it("links every chain from CHAOS-INPUT / CHAOS-OUTPUT, hooked from INPUT / OUTPUT; no chains means none of it", () => {
    const owned = partitionChains([chain({ name: "OUTPUT/a" }), chain({ name: "INPUT/b", direction: Chain_Direction.INPUT })], "ipv4", new Map());
    expect(Object.fromEntries(owned.chains)).toEqual({
      "CHAOS-INPUT": ["-j INPUT/b"],
      "CHAOS-OUTPUT": ["-j OUTPUT/a"],
      "OUTPUT/a": ["-o eth0 -j DROP"],
      "INPUT/b": ["-i eth0 -j DROP"],
    });
    expect(owned.hooks).toEqual([{ builtin: "INPUT", chain: "CHAOS-INPUT" }, { builtin: "OUTPUT", chain: "CHAOS-OUTPUT" }]);
    expect(partitionChains([], "ipv4", new Map())).toEqual({ chains: new Map(), hooks: [] });
  });
});
