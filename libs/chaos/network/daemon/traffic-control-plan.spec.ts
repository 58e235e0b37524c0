import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, TcSchema, Tc_Type, type Tc } from "@faultline/api";
import { validTcs } from "./network-request-validation.js";
import { netemArgs, planTrafficControl, tcTime } from "./traffic-control-plan.js";

// The argv the daemon builds, checked against Chaos Mesh's layout (facts §1.2): a global chain of
// stacked qdiscs, then prio (3+F bands, Chaos Mesh's priomap) with three sfq and one band per
// target group chosen by CLASSIFY; and the layouts Faultline uses where the kernel lacks pieces.
const fullKernel = create(NodeCapabilitiesSchema, { nodeName: "n1", qdiscs: ["netem", "prio", "sfq", "htb", "tbf"], iptablesBackend: "nf_tables", iptablesExtensions: ["set", "CLASSIFY", "statistic"] });
const thisKernel = create(NodeCapabilitiesSchema, { nodeName: "n1", qdiscs: ["htb", "tbf", "ingress", "clsact"], iptablesBackend: "nf_tables", iptablesExtensions: ["set", "CLASSIFY", "statistic"] });
const tc = (t: object): Tc => create(TcSchema, t as never);
const bw = (rate: string, ipset = "", protocol = "") => tc({ type: Tc_Type.BANDWIDTH, tbf: { rate, limit: 20000, buffer: 10000 }, ipset, protocol, device: "" });
const netem = (n: object, ipset = "") => tc({ type: Tc_Type.NETEM, netem: n, ipset, protocol: "", device: "" });
const argv = (plan: { commands: string[][] }) => plan.commands.map((c) => c.join(" "));

describe("planTrafficControl", () => {
  it("stacks the global chain as Chaos Mesh does: root handle 1:, then parent i: handle i+1:", () => {
    const plan = planTrafficControl(validTcs([bw("8mbit"), netem({ time: "100ms", loss: 25 })]), fullKernel, new Map());
    expect(argv(plan)).toEqual([
      "tc qdisc add dev eth0 root handle 1: tbf rate 8mbit burst 10000 limit 20000",
      "tc qdisc add dev eth0 parent 1: handle 2: netem delay 100ms loss 25.000000",
    ]);
    expect(plan.mangle.ipv4.chains.size).toBe(0);
  });

  it("lays per-target tcs out under prio (bands 3+F, Chaos Mesh's priomap, three sfq) with CLASSIFY by ipset", () => {
    const plan = planTrafficControl(validTcs([netem({ time: "10ms" }), netem({ time: "50ms" }, "set_a"), bw("1mbit", "set_a"), bw("2mbit", "set_b")]), fullKernel, new Map());
    expect(argv(plan)).toEqual([
      "tc qdisc add dev eth0 root handle 1: netem delay 10ms",
      "tc qdisc add dev eth0 parent 1: handle 2: prio bands 5 priomap 1 2 2 2 1 2 0 0 1 1 1 1 1 1 1 1",
      "tc qdisc add dev eth0 parent 2:1 handle 3: sfq",
      "tc qdisc add dev eth0 parent 2:2 handle 4: sfq",
      "tc qdisc add dev eth0 parent 2:3 handle 5: sfq",
      "tc qdisc add dev eth0 parent 2:4 handle 6: netem delay 50ms",
      "tc qdisc add dev eth0 parent 6: handle 7: tbf rate 1mbit burst 10000 limit 20000",
      "tc qdisc add dev eth0 parent 2:5 handle 8: tbf rate 2mbit burst 10000 limit 20000",
    ]);
    expect(plan.layouts.get("eth0")).toBe("prio");
    expect(plan.mangle.ipv4.chains.get("FAULTLINE-TC")).toEqual([
      "-o eth0 -m set --match-set set_a dst,dst -j CLASSIFY --set-class 2:4",
      "-o eth0 -m set --match-set set_b dst,dst -j CLASSIFY --set-class 2:5",
    ]);
    expect(plan.mangle.ipv4.hooks).toEqual([{ builtin: "POSTROUTING", chain: "FAULTLINE-TC" }]);
  });

  it("without prio/sfq uses htb: class 1 for ordinary traffic, one class per group, and says so", () => {
    const plan = planTrafficControl(validTcs([bw("1mbit", "set_a"), bw("2mbit", "set_b", "tcp")]), thisKernel, new Map());
    expect(argv(plan)).toEqual([
      "tc qdisc add dev eth0 root handle 1: htb default 1",
      "tc class add dev eth0 parent 1: classid 1:1 htb rate 100gbit quantum 60000",
      "tc class add dev eth0 parent 1: classid 1:2 htb rate 100gbit quantum 60000",
      "tc class add dev eth0 parent 1: classid 1:3 htb rate 100gbit quantum 60000",
      "tc qdisc add dev eth0 parent 1:2 handle 2: tbf rate 1mbit burst 10000 limit 20000",
      "tc qdisc add dev eth0 parent 1:3 handle 3: tbf rate 2mbit burst 10000 limit 20000",
    ]);
    expect(plan.mangle.ipv4.chains.get("FAULTLINE-TC")).toEqual([
      "-o eth0 -m set --match-set set_a dst,dst -j CLASSIFY --set-class 1:2",
      "-o eth0 -p tcp -m set --match-set set_b dst,dst -j CLASSIFY --set-class 1:3",
    ]);
    expect(plan.notes).toEqual(["per-target tcs on eth0 under htb classes: this node has no prio or sfq"]);
  });

  it("turns plain loss into an iptables statistic drop when netem is missing, and keeps netem where it exists", () => {
    const without = planTrafficControl(validTcs([netem({ loss: 25 }), netem({ loss: 10 }, "set_a")]), thisKernel, new Map());
    expect(without.commands).toEqual([]);
    expect(without.mangle.ipv4.chains.get("FAULTLINE-TC")).toEqual([
      "-o eth0 -m statistic --mode random --probability 0.250000 -j DROP",
      "-o eth0 -m set --match-set set_a dst,dst -m statistic --mode random --probability 0.100000 -j DROP",
    ]);
    expect(without.notes[0]).toBe("loss 25% on eth0 by iptables statistic: this node has no sch_netem");
    const withNetem = planTrafficControl(validTcs([netem({ loss: 25 })]), fullKernel, new Map());
    expect(argv(withNetem)).toEqual(["tc qdisc add dev eth0 root handle 1: netem loss 25.000000"]);
    // correlated loss is netem's alone
    const correlated = planTrafficControl(validTcs([netem({ loss: 25, lossCorr: 50 })]), thisKernel, new Map());
    expect(argv(correlated)).toEqual(["tc qdisc add dev eth0 root handle 1: netem loss 25.000000 50.000000"]);
  });

  it("puts rules for IPv6 sets in ip6tables only, list:sets in both", () => {
    const families = new Map<string, "inet" | "inet6" | undefined>([["v6", "inet6"], ["both", undefined]]);
    const plan = planTrafficControl(validTcs([bw("1mbit", "v6"), bw("1mbit", "both")]), thisKernel, families);
    expect(plan.mangle.ipv4.chains.get("FAULTLINE-TC")).toEqual(["-o eth0 -m set --match-set both dst,dst -j CLASSIFY --set-class 1:3"]);
    expect(plan.mangle.ipv6.chains.get("FAULTLINE-TC")).toHaveLength(2);
  });

  it("writes handles in hex, as tc reads them", () => {
    const plan = planTrafficControl(validTcs(Array.from({ length: 11 }, () => bw("1mbit"))), fullKernel, new Map());
    expect(argv(plan)[10]).toBe("tc qdisc add dev eth0 parent a: handle b: tbf rate 1mbit burst 10000 limit 20000");
  });

  it("refuses more target groups than prio has bands", () => {
    const many = Array.from({ length: 14 }, (_, i) => bw("1mbit", `s${i}`));
    expect(() => planTrafficControl(validTcs(many), fullKernel, new Map())).toThrow(/at most 13 target groups/);
    expect(() => planTrafficControl(validTcs(many), thisKernel, new Map())).not.toThrow();
  });
});

describe("netemArgs", () => {
  it("orders and formats every parameter as Chaos Mesh's daemon does (%f percentages)", () => {
    const [t] = validTcs([netem({ time: "100ms", jitter: "10ms", delayCorr: 25, reorder: 10, reorderCorr: 50, gap: 5, limit: 1000, loss: 1.5, lossCorr: 2, duplicate: 3, duplicateCorr: 0, corrupt: 4, corruptCorr: 5, rate: "1mbit" })]);
    expect(netemArgs((t as unknown as { netem: never }).netem).join(" ")).toBe(
      "delay 100ms 10ms 25.000000 reorder 10.000000 50.000000 gap 5 limit 1000 loss 1.500000 2.000000 duplicate 3.000000 corrupt 4.000000 5.000000 rate 1mbit",
    );
  });

  it("gives tc times it understands, converting Go's minutes and compounds", () => {
    expect(tcTime(1_500_000)).toBe("1500ms");
    const [t] = validTcs([netem({ time: "1m30s" })]);
    expect(netemArgs((t as unknown as { netem: never }).netem)).toEqual(["delay", "90s"]);
    const [u] = validTcs([netem({ time: "250us" })]);
    expect(netemArgs((u as unknown as { netem: never }).netem)).toEqual(["delay", "250us"]);
  });
});
