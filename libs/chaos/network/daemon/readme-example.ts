import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, TcSchema, Tc_Type } from "@faultline/api";
import { describeMissingCapabilities, planTrafficControl, requiredCapabilities, validTcs } from "@faultline/chaos/network/daemon";

/** What a node without netem, prio and sfq (these machines) can do, and what the daemon would run there. */
export function netemlessNode() {
  const caps = create(NodeCapabilitiesSchema, {
    nodeName: "node-1",
    qdiscs: ["htb", "tbf", "clsact"],
    ipset: true,
    iptablesBackend: "nf_tables",
    iptablesExtensions: ["statistic", "set", "CLASSIFY"],
  });
  const delay = create(TcSchema, { type: Tc_Type.NETEM, netem: { time: "100ms" } });
  const loss = create(TcSchema, { type: Tc_Type.NETEM, netem: { loss: 25 } });
  const bandwidthToTargets = create(TcSchema, { type: Tc_Type.BANDWIDTH, tbf: { rate: "8mbit", limit: 20000, buffer: 10000 }, ipset: "ba_tgt" });

  // the manager refuses what the node cannot do, before injecting anything
  const refusal = describeMissingCapabilities(caps.nodeName, requiredCapabilities({ tcs: [delay] }, caps));
  // "node node-1 cannot inject this: it lacks qdisc/netem (delay/loss/duplicate/corrupt on eth0 (tc netem))"

  // loss and per-target bandwidth work here, differently from Chaos Mesh's layout
  const plan = planTrafficControl(validTcs([loss, bandwidthToTargets]), caps, new Map());
  // plan.commands: htb root, class 1:1 for ordinary traffic, class 1:2 with the tbf
  // plan.mangle.ipv4: statistic drop for the loss, CLASSIFY --set-class 1:2 for the ipset's peers
  return { refusal, plan, possible: requiredCapabilities({ tcs: [loss, bandwidthToTargets] }, caps) };
}
