import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { dnsChaos, helloWorldChaos, httpChaos, ioChaos, networkChaos, podChaos, stressChaos, timeChaos } from "./kinds.js";

// Each kind's nodeCapability (what `faultline doctor` shows per node) is the check its Apply makes.
const everything = create(NodeCapabilitiesSchema, {
  nodeName: "n1",
  qdiscs: ["netem", "tbf", "htb", "prio", "sfq"],
  classifiers: ["u32"],
  ipset: true,
  iptablesBackend: "nf_tables",
  iptablesExtensions: ["statistic", "set", "CLASSIFY", "REDIRECT", "owner", "multiport"],
  cgroupMode: "v2",
  stressNg: true,
  timeVdsoSkew: true,
  ioFuse: true,
});
const bare = create(NodeCapabilitiesSchema, { nodeName: "n1", notes: ["time/vdso-skew: ptrace is not permitted (Yama ptrace_scope 3)"] });

describe("the built-in kinds' nodeCapability", () => {
  it("a node with everything can perform every kind", () => {
    for (const kind of [dnsChaos, httpChaos, ioChaos, networkChaos, stressChaos, timeChaos]) {
      expect([kind.crd.spec.names.kind, kind.nodeCapability!(everything)]).toEqual([kind.crd.spec.names.kind, { capable: true }]);
    }
  });

  it("a bare node: each kind says what it lacks, as its own check names it", () => {
    expect(dnsChaos.nodeCapability!(bare)).toEqual({ capable: false, reason: expect.stringMatching(/^lacks dns\/interception \(/) });
    expect(httpChaos.nodeCapability!(bare)).toEqual({ capable: false, reason: expect.stringMatching(/^lacks http\/interception \(/) });
    expect(timeChaos.nodeCapability!(bare)).toEqual({ capable: false, reason: "lacks time/vdso-skew (ptrace is not permitted (Yama ptrace_scope 3))" });
    expect(ioChaos.nodeCapability!(bare)).toEqual({ capable: false, reason: expect.stringMatching(/^lacks io\/fuse \(the daemon does not report it/) });
    expect(stressChaos.nodeCapability!(bare)).toEqual({ capable: false, reason: "lacks stress-ng (the daemon cannot run it)" });
    const network = networkChaos.nodeCapability!(bare);
    expect(network.capable).toBe(false);
    expect(network.reason).toContain("delay/loss/duplicate/corrupt: lacks qdisc/netem");
    expect(network.reason).toContain("bandwidth: lacks qdisc/tbf");
    expect(network.reason).toContain("partition: lacks ipset, iptables, iptables/set");
  });

  it("NetworkChaos without tbf only: bandwidth is named, the rest is not", () => {
    const noTbf = create(NodeCapabilitiesSchema, { ...everything, qdiscs: ["netem", "htb", "prio", "sfq"] });
    expect(networkChaos.nodeCapability!(noTbf)).toEqual({ capable: false, reason: "bandwidth: lacks qdisc/tbf" });
  });

  it("PodChaos and HelloWorldChaos need nothing of the node beyond the daemon", () => {
    expect(podChaos.nodeCapability).toBeUndefined();
    expect(helloWorldChaos.nodeCapability).toBeUndefined();
  });
});
