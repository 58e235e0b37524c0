import { create } from "@bufbuild/protobuf";
import { ChainSchema, IPSetSchema, NodeCapabilitiesSchema, TcSchema, Tc_Type } from "@faultline/api";
import { describeMissingCapabilities, requiredCapabilities } from "./required-capabilities.js";

const thisKernel = create(NodeCapabilitiesSchema, { nodeName: "n1", qdiscs: ["htb", "tbf", "ingress", "clsact"], classifiers: ["u32", "bpf"], ipset: true, ipsetInet6: true, iptablesBackend: "nf_tables", iptablesExtensions: ["statistic", "set", "CLASSIFY", "multiport"], ip6tables: true });
const bare = create(NodeCapabilitiesSchema, { nodeName: "n2", qdiscs: ["tbf"] });
const tc = (t: object) => create(TcSchema, t as never);

describe("requiredCapabilities", () => {
  it("asks netem for delay, but lets plain loss fall back to iptables statistic", () => {
    expect(requiredCapabilities({ tcs: [tc({ type: Tc_Type.NETEM, netem: { time: "10ms" } })] }, thisKernel)).toEqual([
      { capability: "qdisc/netem", needed: "delay/loss/duplicate/corrupt on eth0 (tc netem)" },
    ]);
    expect(requiredCapabilities({ tcs: [tc({ type: Tc_Type.NETEM, netem: { loss: 25 } })] }, thisKernel)).toEqual([]);
    expect(requiredCapabilities({ tcs: [tc({ type: Tc_Type.NETEM, netem: { loss: 25, lossCorr: 10 } })] }, thisKernel).map((m) => m.capability)).toEqual(["qdisc/netem"]);
    expect(requiredCapabilities({ tcs: [tc({ type: Tc_Type.NETEM, netem: { loss: 25 } })] }, bare).map((m) => m.capability)).toEqual(["iptables", "iptables/statistic"]);
  });

  it("asks htb and CLASSIFY for per-target tcs where prio/sfq are missing", () => {
    const tcs = [tc({ type: Tc_Type.BANDWIDTH, tbf: { rate: "1mbit", limit: 1, buffer: 1 }, ipset: "s" })];
    expect(requiredCapabilities({ tcs }, thisKernel)).toEqual([]);
    expect(requiredCapabilities({ tcs }, bare).map((m) => m.capability)).toEqual(["iptables/set", "iptables/CLASSIFY", "qdisc/htb"]);
  });

  it("asks ipset, iptables and set for a partition, ip6tables and inet6 ipsets for IPv6 peers", () => {
    const ipsets = [create(IPSetSchema, { name: "s6", type: "hash:net", cidrs: ["fd00::1"] })];
    const chains = [create(ChainSchema, { name: "OUTPUT/p", ipsets: ["s6"], target: "DROP" })];
    expect(requiredCapabilities({ ipsets, chains }, thisKernel)).toEqual([]);
    expect(requiredCapabilities({ ipsets, chains }, bare).map((m) => m.capability)).toEqual(["ipset", "ipset/inet6", "iptables", "iptables/set", "ip6tables"]);
  });

  it("says it in one line naming the node", () => {
    expect(describeMissingCapabilities("n1", [{ capability: "qdisc/netem", needed: "delay on eth0 (tc netem)" }])).toBe("node n1 cannot inject this: it lacks qdisc/netem (delay on eth0 (tc netem))");
  });
});
