import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema } from "@faultline/api";
import { builtInChaosKinds } from "@faultline/chaos";
import { kindOf, type ChaosKind } from "@faultline/impl-registry";
import { daemonEntry, describeNeed, managerNeeds } from "@faultline/records";
import { managerVersion } from "./manager-status.js";

const kinds = builtInChaosKinds.map((d) => kindOf(d, { decoder: {} as never, pods: {} as never, core: {} as never, log: () => undefined, settings: {} })) as ChaosKind[];

// the status logic lives in @faultline/records (faultline-status-report.spec.ts); these cases run it over the built-in kinds the manager serves
describe("the manager's status document", () => {
  it("a reachable daemon: capabilities per served kind from the kinds' own checks (a kind without one: capable)", () => {
    const caps = create(NodeCapabilitiesSchema, { nodeName: "n1", qdiscs: ["netem", "tbf", "htb", "prio", "sfq"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set", "CLASSIFY", "REDIRECT", "owner"], stressNg: false });
    const entry = daemonEntry("chaos-mesh/daemon-x", "0.1.0", kinds, { caps });
    expect(entry).toMatchObject({ pod: "chaos-mesh/daemon-x", version: "0.1.0", reachable: true });
    expect(Object.keys(entry.capabilities!).sort()).toEqual(kinds.map((k) => k.kind).sort());
    expect(entry.capabilities!["StressChaos"]).toEqual({ capable: false, reason: "lacks stress-ng (the daemon cannot run it)" });
    expect(entry.capabilities!["NetworkChaos"]).toEqual({ capable: true });
    expect(entry.capabilities!["PodChaos"]).toEqual({ capable: true });
    expect(entry.capabilities!["TimeChaos"]?.capable).toBe(false);
  });

  it("what the manager needs, worded as a gap: every kind's list/watch/update and status, the kill switch, pods, events, nodes; in its namespace the slices, the Lease, this ConfigMap", () => {
    const needs = managerNeeds({ kinds, namespace: "chaos-mesh", leaderElect: true, staticDaemonAddress: false }).map(describeNeed);
    expect(needs).toEqual(expect.arrayContaining([
      "list podchaos (chaos-mesh.org) cluster-wide",
      "update stresschaos/status (chaos-mesh.org) cluster-wide",
      "watch recordshards (chaos-mesh.org) cluster-wide",
      "list killswitches (faultline.chaos-mesh.org) cluster-wide",
      "watch killswitches (faultline.chaos-mesh.org) cluster-wide",
      "patch killswitches/status (faultline.chaos-mesh.org) cluster-wide",
      "list pods (core) cluster-wide",
      "create events (core) cluster-wide",
      "list nodes (core) cluster-wide",
      "create pods/eviction (core) cluster-wide",
      "list poddisruptionbudgets (policy) cluster-wide",
      "list endpointslices (discovery.k8s.io) in chaos-mesh",
      "update leases (coordination.k8s.io) in chaos-mesh",
      "create configmaps (core) in chaos-mesh",
      "watch configmaps faultline-status (core) in chaos-mesh",
      "patch configmaps faultline-status (core) in chaos-mesh",
    ]));
    const local = managerNeeds({ kinds, namespace: "t", leaderElect: false, staticDaemonAddress: true }).map(describeNeed);
    expect(local.some((n) => n.includes("endpointslices") || n.includes("leases"))).toBe(false);
  });

  it("the manager's version is its package.json's", () => {
    expect(managerVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

});
