// An external target with a port on a CIDR (`10.0.0.0/8:22`, as in Chaos Mesh's external-target
// examples), followed from the spec to what the daemon runs: the manager's resolution and rules,
// then the daemon's validation, its `ipset restore` script and its iptables rules. The port is a
// second dimension of a hash:net,port set, so the rule matches that port of the CIDR only.
import { create } from "@bufbuild/protobuf";
import { ChainSchema, IPSetSchema, NodeCapabilitiesSchema, TcSchema } from "@faultline/api";
import { ipsetBuildScript } from "./daemon/ipset-state.js";
import { validChains, validIpsets, validTcs } from "./daemon/network-request-validation.js";
import { chainRules } from "./daemon/partition-chains.js";
import { planTrafficControl } from "./daemon/traffic-control-plan.js";
import { resolveExternalTargets } from "./external-targets.js";
import { ipsetNames } from "./network-chaos-names.js";
import { podNetworkRules } from "./network-chaos-rules.js";
import { networkChaosExamples } from "./network-fixtures.test-support.js";

const examples = networkChaosExamples();
const noDns = async (host: string): Promise<string[]> => {
  throw new Error(`no DNS in this test: ${host}`);
};

async function daemonPlan(example: string, externalTargets: string[]) {
  const spec = { ...examples[example]!.spec, externalTargets };
  const external = await resolveExternalTargets(externalTargets, noDns);
  const rules = podNetworkRules([{ name: "ext", spec, source: true, target: false, sourceIps: [], targetIps: [], external }]);
  const ipsets = validIpsets(rules.ipsets.map((s) => create(IPSetSchema, s)));
  const chains = validChains(rules.chains.map((c) => create(ChainSchema, c)));
  const tcs = validTcs(rules.tcs.map((t) => create(TcSchema, t)));
  const families = new Map(ipsets.map((s) => [s.name, s.family] as const));
  return { external, ipsets, chains, tcs, families };
}

describe("an external target <cidr>:<port>, from the spec to the daemon's commands", () => {
  const names = ipsetNames("ext", "tgt");

  it("resolves to the CIDR and its port, IPv6 in brackets too", async () => {
    await expect(resolveExternalTargets(["10.0.0.0/8:22", "[fd00::/64]:443", "192.168.1.7:80", "8.8.0.0/16"], noDns)).resolves.toEqual([
      { cidr: "10.0.0.0/8", port: 22 },
      { cidr: "fd00::/64", port: 443 },
      { cidr: "192.168.1.7/32", port: 80 },
      { cidr: "8.8.0.0/16" },
    ]);
  });

  it("partition: the CIDR,port goes to the hash:net,port set the chain matches with dst,dst (address and port); a bare CIDR to hash:net", async () => {
    const plan = await daemonPlan("network-partition-with-external-targets-example", ["10.0.0.0/8:22", "8.8.0.0/16"]);
    const scripts = plan.ipsets.map((s) => ipsetBuildScript(s, "fltmp-x"));
    expect(scripts).toEqual([
      `create fltmp-x hash:net family inet maxelem 65536 comment skbinfo\nadd fltmp-x 8.8.0.0/16\n`,
      `create fltmp-x hash:net,port family inet maxelem 65536 comment skbinfo\nadd fltmp-x 10.0.0.0/8,22\n`,
      `create fltmp-x list:set size 8 comment skbinfo\nadd fltmp-x ${names.net}\nadd fltmp-x ${names.netPort}\n`,
    ]);
    expect(plan.ipsets.map((s) => s.name)).toEqual([names.net, names.netPort, names.set]);
    expect(plan.chains.map((c) => chainRules(c, "ipv4", plan.families))).toEqual([[`-o eth0 -m set --match-set ${names.set} dst,dst -j DROP`]]);
  });

  it("an IPv6 CIDR with a port goes to Faultline's inet6 net,port set", async () => {
    const plan = await daemonPlan("network-partition-with-external-targets-example", ["[fd00::/64]:443"]);
    const v6 = plan.ipsets.find((s) => s.name === names.netPort6)!;
    expect(ipsetBuildScript(v6, "fltmp-x")).toBe("create fltmp-x hash:net,port family inet6 maxelem 65536 comment skbinfo\nadd fltmp-x fd00::/64,443\n");
  });

  it("delay: the netem is classified by the same set, so only that port of the CIDR is delayed", async () => {
    const plan = await daemonPlan("network-delay-with-external-target-example", ["10.0.0.0/8:22"]);
    const set = ipsetNames("ext", "netgt");
    expect(plan.ipsets.find((s) => s.name === set.netPort)!.members).toEqual(["10.0.0.0/8,22"]);
    const kernel = create(NodeCapabilitiesSchema, { nodeName: "n1", qdiscs: ["netem", "prio", "sfq"], iptablesBackend: "nf_tables", iptablesExtensions: ["set", "CLASSIFY"] });
    const tc = planTrafficControl(plan.tcs, kernel, plan.families);
    expect(tc.mangle.ipv4.chains.get("FAULTLINE-TC")).toEqual([`-o eth0 -m set --match-set ${set.set} dst,dst -j CLASSIFY --set-class 1:4`]);
  });
});
