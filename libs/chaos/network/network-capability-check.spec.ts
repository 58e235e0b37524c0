import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { checkCapabilities } from "./network-capability-check.js";
import { rulesOf, type NetworkChaosOnPod } from "./network-chaos-rules.js";
import { networkChaosExamples } from "./network-fixtures.test-support.js";

const examples = networkChaosExamples();
// what this machine's kernel has (facts §7): no netem, prio or sfq
const thisKernel = create(NodeCapabilitiesSchema, {
  nodeName: "faultline-net",
  qdiscs: ["htb", "tbf", "ingress", "clsact"],
  classifiers: ["u32", "bpf"],
  ipset: true,
  iptablesBackend: "nf_tables",
  iptablesExtensions: ["statistic", "set", "CLASSIFY"],
  ip6tables: true,
  ipsetInet6: true,
});
const on = (example: string, extra: Partial<NetworkChaosOnPod> = {}): NetworkChaosOnPod => ({
  name: "x",
  spec: examples[example]!.spec,
  source: true,
  target: false,
  sourceIps: [],
  targetIps: [],
  external: [],
  ...extra,
});

// The judgement is the daemon side's requiredCapabilities (./daemon); these pin what the manager
// makes of it for Chaos Mesh's examples on this machine's kernel and on poorer nodes.
describe("checking rules against a node's capabilities", () => {
  it("refuses delay, duplicate, corrupt and correlated loss on a kernel without sch_netem", () => {
    for (const example of ["network-delay", "network-duplicate", "network-corrupt", "network-loss"]) {
      expect(checkCapabilities(rulesOf(on(example)), thisKernel)).toEqual({ missing: ["qdisc/netem (delay/loss/duplicate/corrupt on eth0 (tc netem))"], fallbacks: [] });
    }
  });

  it("lets uncorrelated loss fall back to iptables' statistic match, saying so", () => {
    const spec = { ...examples["network-loss"]!.spec, loss: { loss: "25", correlation: "0" } };
    expect(checkCapabilities(rulesOf({ ...on("network-loss"), spec }), thisKernel)).toEqual({
      missing: [],
      fallbacks: ["the node has no sch_netem: loss 25% is done with iptables' statistic match (random drop) instead"],
    });
    const noStatistic = create(NodeCapabilitiesSchema, { ...thisKernel, iptablesExtensions: ["set"] });
    expect(checkCapabilities(rulesOf({ ...on("network-loss"), spec }), noStatistic).missing).toEqual(["iptables/statistic (loss on eth0 without netem)"]);
  });

  it("accepts partition and bandwidth here", () => {
    expect(checkCapabilities(rulesOf(on("network-partition", { targetIps: ["10.0.0.2"] })), thisKernel)).toEqual({ missing: [], fallbacks: [] });
    expect(checkCapabilities(rulesOf(on("network-bandwidth")), thisKernel)).toEqual({ missing: [], fallbacks: [] });
  });

  it("names every missing piece of a partition on a node without ipset or iptables", () => {
    const bare = create(NodeCapabilitiesSchema, { nodeName: "n", qdiscs: [] });
    expect(checkCapabilities(rulesOf(on("network-partition", { targetIps: ["10.0.0.2"] })), bare).missing).toEqual([
      "ipset (ipset x_net_tgt)",
      "iptables (iptables chain OUTPUT/x_)",
      "iptables/set (chain OUTPUT/x_ matching ipsets)",
    ]);
  });

  it("refuses IPv6 targets where the node cannot filter them", () => {
    const v4only = create(NodeCapabilitiesSchema, { ...thisKernel, ip6tables: false, ipsetInet6: false });
    expect(checkCapabilities(rulesOf(on("network-partition", { targetIps: ["fd00::2"] })), v4only).missing).toEqual([
      "ipset/inet6 (IPv6 members of ipset x_net6_tgt)",
      "ip6tables (IPv6 peers in ipset x_net6_tgt)",
    ]);
  });

  it("needs a filtering qdisc for bandwidth toward targets", () => {
    const rules = rulesOf(on("network-bandwidth", { targetIps: ["10.0.0.2"] }));
    expect(checkCapabilities(rules, thisKernel).missing).toEqual([]);
    expect(checkCapabilities(rules, create(NodeCapabilitiesSchema, { ...thisKernel, qdiscs: ["tbf"] })).missing).toEqual([
      "qdisc/htb (per-target tc on eth0 (htb classes; prio+sfq are missing too))",
    ]);
  });
});
