import type { FaultlineStatus } from "../faultline-status.js";
import { commandAccess, doctorProblems, renderDoctor } from "./doctor.js";

const status: FaultlineStatus = {
  updatedAt: "2026-12-06T17:59:50Z",
  manager: { version: "0.1.0", identity: "manager-0", leaderSince: "2026-12-06T17:00:00Z", queueDepth: 2, kinds: ["PodChaos", "StressChaos"], rbacGaps: ["list pods (core) cluster-wide"] },
  nodes: [
    { node: "node-1", daemon: { pod: "chaos-mesh/daemon-x", version: "0.1.0", reachable: true, capabilities: { StressChaos: { capable: true }, NetworkChaos: { capable: false, reason: "node node-1: no sch_netem" } } } },
    { node: "node-2", daemon: { pod: "chaos-mesh/daemon-y", reachable: false, error: "connect ECONNREFUSED" } },
    { node: "node-3" },
  ],
  orphans: { checkedAt: "2026-12-06T17:59:50Z", found: [] },
};

describe("doctor", () => {
  it("counts unreachable daemons, nodes without one and RBAC gaps as problems", () => {
    expect(doctorProblems(status, [{ command: "plan", missing: ["create podchaos.chaos-mesh.org in namespace a"] }])).toEqual([
      "node node-2: daemon chaos-mesh/daemon-y unreachable: connect ECONNREFUSED",
      "node node-3: no Faultline daemon",
      "manager RBAC: cannot list pods (core) cluster-wide",
      "your RBAC for plan: cannot create podchaos.chaos-mesh.org in namespace a",
    ]);
    expect(doctorProblems({ ...status, nodes: [status.nodes[0]!], manager: { ...status.manager, rbacGaps: [] } }, [])).toEqual([]);
  });

  it("prints the manager, the nodes, capabilities per kind and the user's gaps", () => {
    const text = renderDoctor(status, [], "chaos-mesh", new Date("2026-12-06T18:00:00Z"));
    expect(text).toContain("Manager (chaos-mesh): version 0.1.0, leader manager-0 since 2026-12-06T17:00:00Z (60m), queue 2, status updated 10s ago");
    expect(text).toContain("NODE     DAEMON                VERSION   REACHABLE\nnode-1   chaos-mesh/daemon-x   0.1.0     yes\nnode-2   chaos-mesh/daemon-y   -         no: connect ECONNREFUSED\nnode-3   (none)                -         -");
    expect(text).toContain("Capabilities of node-1:\n  KIND           CAPABLE\n  NetworkChaos   no: node node-1: no sch_netem\n  StressChaos    yes");
    expect(text).toContain("Your RBAC: every command allowed.");
    const staticDaemon = renderDoctor({ ...status, nodes: [{ node: "n", daemon: { pod: "", reachable: true } }] }, [{ command: "plan", missing: ["create podchaos.chaos-mesh.org in namespace a"] }], "x", new Date());
    expect(staticDaemon).toContain("n      (static address)   -         yes");
    expect(staticDaemon).toContain("Your RBAC gaps:\n  plan: cannot create podchaos.chaos-mesh.org in namespace a\n");
  });

  it("asks, per command, for exactly what it uses", () => {
    const needs = commandAccess([{ kind: "PodChaos", plural: "podchaos", singular: "podchaos", shortNames: [] }], "shop", "chaos-mesh");
    expect(needs["stop/resume --all"]).toEqual([
      { verb: "create", resource: "killswitches", group: "faultline.chaos-mesh.org" },
      { verb: "get", resource: "killswitches", group: "faultline.chaos-mesh.org", name: "cluster" },
      { verb: "patch", resource: "killswitches", group: "faultline.chaos-mesh.org", name: "cluster" },
    ]);
    expect(needs["status"]!.map((a) => `${a.verb} ${a.resource}`)).toEqual(["list podchaos", "list pods", "list events"]);
  });
});
