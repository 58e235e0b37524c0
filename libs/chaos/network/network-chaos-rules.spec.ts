import { Chain_Direction, Tc_Type } from "@faultline/api";
import { ipsetNames, partitionChainName } from "./network-chaos-names.js";
import { netemOf, podNetworkRules, rolesWithoutPeers, rulesOf, type NetemRule, type NetworkChaosOnPod } from "./network-chaos-rules.js";
import { networkChaosExamples } from "./network-fixtures.test-support.js";

const examples = networkChaosExamples();
const zeroNetem: NetemRule = {
  time: "",
  jitter: "",
  delayCorr: 0,
  limit: 0,
  loss: 0,
  lossCorr: 0,
  gap: 0,
  duplicate: 0,
  duplicateCorr: 0,
  reorder: 0,
  reorderCorr: 0,
  corrupt: 0,
  corruptCorr: 0,
  rate: "",
};
const chainOf = (name: string, direction: Chain_Direction, ipsets: string[], device = "") => ({
  name,
  direction,
  ipsets,
  target: "DROP",
  device,
  protocol: "",
  sourcePorts: "",
  destinationPorts: "",
  tcpFlags: "",
});
const on = (example: string, role: Partial<NetworkChaosOnPod>): NetworkChaosOnPod => ({
  name: examples[example]!.metadata.name!,
  spec: examples[example]!.spec,
  source: false,
  target: false,
  sourceIps: [],
  targetIps: [],
  external: [],
  ...role,
});
const trio = (chaos: string, postfix: string, cidrs: string[], cidrAndPorts: { cidr: string; port: number }[] = []) => {
  const n = ipsetNames(chaos, postfix);
  return [
    { name: n.net, type: "hash:net", cidrs, cidrAndPorts: [], setNames: [] },
    { name: n.netPort, type: "hash:net,port", cidrs: [], cidrAndPorts, setNames: [] },
    { name: n.set, type: "list:set", cidrs: [], cidrAndPorts: [], setNames: [n.net, n.netPort] },
  ];
};

describe("what each of Chaos Mesh's examples asks of a pod", () => {
  it("delay on all egress (no target): one netem, no ipset, Chaos Mesh's conversion", () => {
    expect(rulesOf(on("network-delay", { source: true }))).toEqual({
      ipsets: [],
      chains: [],
      tcs: [{ type: Tc_Type.NETEM, netem: { ...zeroNetem, time: "90ms", jitter: "90ms", delayCorr: 25 }, ipset: "", protocol: "", device: "" }],
    });
  });

  it.each([
    ["network-loss", { loss: 25, lossCorr: 25 }],
    ["network-duplicate", { duplicate: 40, duplicateCorr: 25 }],
    ["network-corrupt", { corrupt: 40, corruptCorr: 25 }],
  ])("%s: one netem with its own fields", (example, fields) => {
    expect(rulesOf(on(example, { source: true })).tcs).toEqual([{ type: Tc_Type.NETEM, netem: { ...zeroNetem, ...fields }, ipset: "", protocol: "", device: "" }]);
  });

  it("bandwidth: a tbf with rate, limit and buffer, and no peakrate without minburst", () => {
    expect(rulesOf(on("network-bandwidth", { source: true })).tcs).toEqual([
      { type: Tc_Type.BANDWIDTH, tbf: { rate: "1mbps", limit: 20971520, buffer: 10000, peakRate: 0n, minBurst: 0 }, ipset: "", protocol: "", device: "" },
    ]);
  });

  it("partition to: the source drops output to the target's IP; the target drops input from the source's", () => {
    const name = "network-partition-example";
    expect(rulesOf(on("network-partition", { source: true, sourceIps: ["10.0.0.1"], targetIps: ["10.0.0.2"] }))).toEqual({
      ipsets: trio(name, "tgt", ["10.0.0.2/32"]),
      chains: [chainOf(partitionChainName(name, "OUTPUT"), Chain_Direction.OUTPUT, [ipsetNames(name, "tgt").set])],
      tcs: [],
    });
    expect(rulesOf(on("network-partition", { target: true, sourceIps: ["10.0.0.1"], targetIps: ["10.0.0.2"] }))).toEqual({
      ipsets: trio(name, "src", ["10.0.0.1/32"]),
      chains: [chainOf(partitionChainName(name, "INPUT"), Chain_Direction.INPUT, [ipsetNames(name, "src").set])],
      tcs: [],
    });
  });

  it("partition from and both: the reverse chains, on each side", () => {
    const spec = { ...examples["network-partition"]!.spec, direction: "from" as const };
    const pod = (role: Partial<NetworkChaosOnPod>) => ({ ...on("network-partition", role), spec, sourceIps: ["10.0.0.1"], targetIps: ["10.0.0.2"] });
    expect(rulesOf(pod({ source: true })).chains.map((c) => c.direction)).toEqual([Chain_Direction.INPUT]);
    expect(rulesOf(pod({ target: true })).chains.map((c) => c.direction)).toEqual([Chain_Direction.OUTPUT]);
    const both = { ...spec, direction: "both" as const };
    expect(rulesOf({ ...pod({ source: true }), spec: both }).chains.map((c) => c.direction)).toEqual([Chain_Direction.OUTPUT, Chain_Direction.INPUT]);
    expect(rulesOf({ ...pod({ target: true }), spec: both }).chains.map((c) => c.direction)).toEqual([Chain_Direction.OUTPUT, Chain_Direction.INPUT]);
  });

  it("partition toward an external host: its resolved addresses, with ports in the net,port set", () => {
    const name = "network-partition-external";
    const external = [{ cidr: "142.250.0.1/32" }, { cidr: "10.1.0.0/16", port: 443 }];
    expect(rulesOf(on("network-partition-external", { source: true, external }))).toEqual({
      ipsets: trio(name, "tgt", ["142.250.0.1/32"], [{ cidr: "10.1.0.0/16", port: 443 }]),
      chains: [chainOf(partitionChainName(name, "OUTPUT"), Chain_Direction.OUTPUT, [ipsetNames(name, "tgt").set])],
      tcs: [],
    });
  });

  it("partition without targets drops all traffic on the device", () => {
    const spec = { ...examples["network-partition-external"]!.spec, externalTargets: [], device: "eth1@if9" };
    expect(rulesOf({ ...on("network-partition-external", { source: true }), spec }).chains).toEqual([
      chainOf(partitionChainName("network-partition-external", "OUTPUT"), Chain_Direction.OUTPUT, [], "eth1"),
    ]);
  });

  it("a spec naming targets whose pods are all gone affects nothing, never all traffic, and says which role got nothing", () => {
    expect(rulesOf(on("network-partition", { source: true, targetIps: [] }))).toEqual({ ipsets: [], chains: [], tcs: [] });
    expect(rulesOf(on("network-delay-reorder", { source: true, targetIps: [] }))).toEqual({ ipsets: [], chains: [], tcs: [] });
    expect(rolesWithoutPeers(on("network-partition", { source: true, targetIps: [] }))).toEqual(["selected"]);
    expect(rolesWithoutPeers(on("network-delay-reorder", { source: true, targetIps: [] }))).toEqual(["selected"]);
    expect(rolesWithoutPeers(on("network-partition", { target: true, sourceIps: [] }))).toEqual(["target"]);
    expect(rolesWithoutPeers(on("network-partition", { source: true, target: true }))).toEqual(["selected", "target"]);
  });

  it("a role with its rules, or one that asks for none, is not listed as empty", () => {
    expect(rolesWithoutPeers(on("network-partition", { source: true, targetIps: ["10.0.0.2"] }))).toEqual([]);
    expect(rolesWithoutPeers(on("network-partition", { target: true, sourceIps: ["10.0.0.1"] }))).toEqual([]);
    expect(rolesWithoutPeers(on("network-partition-external", { source: true, external: [{ cidr: "10.0.0.0/8", port: 22 }] }))).toEqual([]);
    expect(rolesWithoutPeers(on("network-partition-external", { source: true, spec: { ...examples["network-partition-external"]!.spec, externalTargets: [] } }))).toEqual([]);
    expect(rolesWithoutPeers(on("network-delay", { source: true }))).toEqual([]); // all egress
    expect(rolesWithoutPeers(on("network-delay-reorder", { target: true, sourceIps: [] }))).toEqual([]); // tc `to`: nothing asked of a target
  });

  it("Chaos Mesh's network-partition-example (selector and target pick the same pods): each pod plays both roles and drops traffic to and from every pod of the set", () => {
    const name = "network-partition-example";
    const ips = ["10.0.0.1", "10.0.0.2"];
    const both = on("network-partition-example", { source: true, target: true, sourceIps: ips, targetIps: ips });
    expect(rolesWithoutPeers(both)).toEqual([]);
    expect(rulesOf(both)).toEqual({
      ipsets: [...trio(name, "tgt", ["10.0.0.1/32", "10.0.0.2/32"]), ...trio(name, "src", ["10.0.0.1/32", "10.0.0.2/32"])],
      chains: [
        chainOf(partitionChainName(name, "OUTPUT"), Chain_Direction.OUTPUT, [ipsetNames(name, "tgt").set]),
        chainOf(partitionChainName(name, "INPUT"), Chain_Direction.INPUT, [ipsetNames(name, "src").set]),
      ],
      tcs: [],
    });
  });

  it("Chaos Mesh's external-targets examples: a CIDR with a port goes to the net,port set, the rest to the net set", () => {
    const name = "network-partition-example";
    const external = [{ cidr: "8.8.8.8/32" }, { cidr: "8.8.0.0/16" }, { cidr: "1.1.1.1/32", port: 80 }, { cidr: "10.0.0.0/8", port: 22 }];
    expect(rulesOf(on("network-partition-with-external-targets-example", { source: true, external })).ipsets).toEqual(
      trio(name, "tgt", ["8.8.8.8/32", "8.8.0.0/16"], [{ cidr: "1.1.1.1/32", port: 80 }, { cidr: "10.0.0.0/8", port: 22 }]),
    );
    const delay = rulesOf(on("network-delay-with-external-target-example", { source: true, external }));
    expect(delay.ipsets).toEqual(trio("network-delay-example", "netgt", ["8.8.8.8/32", "8.8.0.0/16"], [{ cidr: "1.1.1.1/32", port: 80 }, { cidr: "10.0.0.0/8", port: 22 }]));
    expect(delay.tcs.map((t) => t.ipset)).toEqual([ipsetNames("network-delay-example", "netgt").set]);
  });

  it("delay with reorder toward targets: the netem goes to the targets' ipset only", () => {
    const rules = rulesOf(on("network-delay-reorder", { source: true, targetIps: ["10.0.0.5", "10.0.0.6"] }));
    expect(rules.ipsets).toEqual(trio("delay", "netgt", ["10.0.0.5/32", "10.0.0.6/32"]));
    expect(rules.tcs).toEqual([
      {
        type: Tc_Type.NETEM,
        netem: { ...zeroNetem, time: "10ms", jitter: "0ms", delayCorr: 100, reorder: 0.5, reorderCorr: 50, gap: 5 },
        ipset: ipsetNames("delay", "netgt").set,
        protocol: "",
        device: "",
      },
    ]);
  });

  it("netem both: sources shape toward targets, targets toward sources; delay and loss in one netem", () => {
    const pod = (role: Partial<NetworkChaosOnPod>) => on("network-netem-both", { ...role, sourceIps: ["10.0.0.1"], targetIps: ["10.0.0.2"] });
    const netem = { ...zeroNetem, time: "50ms", jitter: "0ms", loss: 10 };
    expect(rulesOf(pod({ source: true })).tcs).toEqual([{ type: Tc_Type.NETEM, netem, ipset: ipsetNames("network-netem-both", "netgt").set, protocol: "", device: "" }]);
    expect(rulesOf(pod({ target: true })).ipsets).toEqual(trio("network-netem-both", "nesrc", ["10.0.0.1/32"]));
    expect(rulesOf(pod({ target: true })).tcs.map((t) => t.ipset)).toEqual([ipsetNames("network-netem-both", "nesrc").set]);
  });

  it("a tc action with direction to does nothing on a target pod", () => {
    expect(rulesOf(on("network-delay-reorder", { target: true, sourceIps: ["10.0.0.1"] }))).toEqual({ ipsets: [], chains: [], tcs: [] });
  });

  it("IPv6 pods and externals go to Faultline's own inet6 sets inside the same list:set", () => {
    const rules = rulesOf(on("network-partition", { source: true, targetIps: ["10.0.0.2", "fd00::2"], external: [{ cidr: "2001:db8::/32", port: 80 }] }));
    const n = ipsetNames("network-partition-example", "tgt");
    expect(rules.ipsets.map((s) => [s.name, s.type, s.cidrs, s.cidrAndPorts])).toEqual([
      [n.net, "hash:net", ["10.0.0.2/32"], []],
      [n.netPort, "hash:net,port", [], []],
      [n.net6, "hash:net", ["fd00::2/128"], []],
      [n.netPort6, "hash:net,port", [], [{ cidr: "2001:db8::/32", port: 80 }]],
      [n.set, "list:set", [], []],
    ]);
    expect(rules.ipsets.at(-1)!.setNames).toEqual([n.net, n.netPort, n.net6, n.netPort6]);
  });
});

describe("one pod's whole state", () => {
  it("composes every NetworkChaos on the pod, in the order given", () => {
    const partition = on("network-partition", { source: true, targetIps: ["10.0.0.2"] });
    const delay = on("network-delay", { source: true });
    const all = podNetworkRules([delay, partition]);
    expect(all.tcs).toEqual(rulesOf(delay).tcs);
    expect(all.chains).toEqual(rulesOf(partition).chains);
    expect(all.ipsets).toEqual(rulesOf(partition).ipsets);
  });

  it("is empty with no NetworkChaos: the recovered state", () => {
    expect(podNetworkRules([])).toEqual({ ipsets: [], chains: [], tcs: [] });
  });

  it("netem uses only the action's own sub-spec unless the action is netem", () => {
    const spec = { ...examples["network-delay"]!.spec, loss: { loss: "5" } };
    expect(netemOf(spec).loss).toBe(0);
    expect(netemOf({ ...spec, action: "netem" }).loss).toBe(5);
  });
});
