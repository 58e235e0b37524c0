import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { checkCapabilities, podNetworkRules, type NetworkChaos } from "@faultline/chaos/network";

/** Chaos Mesh's partition example, as a user applies it. */
export const partitionExample: NetworkChaos = {
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "NetworkChaos",
  metadata: { name: "network-partition-example" },
  spec: {
    action: "partition",
    mode: "one",
    selector: { labelSelectors: { "app.kubernetes.io/component": "tikv" } },
    direction: "to",
    target: { mode: "one", selector: { labelSelectors: { "app.kubernetes.io/component": "pd" } } },
    duration: "10s",
  },
};

/** What the manager sends the daemon of the selected pod (10.0.0.1) when the target is 10.0.0.2. */
export function partitionOnSourcePod() {
  const rules = podNetworkRules([
    { name: "network-partition-example", spec: partitionExample.spec, source: true, target: false, sourceIps: ["10.0.0.1"], targetIps: ["10.0.0.2"], external: [] },
  ]);
  return {
    ipsets: rules.ipsets.map((s) => `${s.name} ${s.type} ${[...s.cidrs, ...s.setNames].join(",")}`),
    chains: rules.chains.map((c) => `${c.name} ${c.direction === 1 ? "OUTPUT" : "INPUT"} -m set --match-set ${c.ipsets.join(",")} -j ${c.target}`),
    tcs: rules.tcs.length,
  };
}

/** Whether a node like this one (no sch_netem) can take a delay: the missing piece, named. */
export function delayOnThisKernel(): string[] {
  const caps = create(NodeCapabilitiesSchema, { nodeName: "node-1", qdiscs: ["htb", "tbf"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set", "statistic"] });
  const delay = { mode: "all" as const, selector: {}, action: "delay" as const, delay: { latency: "90ms" } };
  const rules = podNetworkRules([{ name: "d", spec: delay, source: true, target: false, sourceIps: [], targetIps: [], external: [] }]);
  return checkCapabilities(rules, caps).missing;
}
