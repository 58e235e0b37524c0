import type { FaultlineStatus } from "@faultline/api";
import { faultlineStatusPath, nodeRows, parseFaultlineStatus } from "./nodes-model.js";

const status: FaultlineStatus = {
  updatedAt: "2026-01-01T12:00:00Z",
  manager: { version: "0.1.0", identity: "m_1", leaderSince: "2026-01-01T11:00:00Z", queueDepth: 0, kinds: ["PodChaos", "NetworkChaos"], rbacGaps: [] },
  nodes: [
    { node: "worker-b" },
    { node: "worker-a", daemon: { pod: "chaos-mesh/daemon-x", version: "0.1.0", reachable: true, capabilities: { PodChaos: { capable: true }, NetworkChaos: { capable: false, reason: "no tc binary" } } } },
    { node: "worker-c", daemon: { pod: "", reachable: false, error: "connect ECONNREFUSED" } },
  ],
  orphans: { checkedAt: "2026-01-01T12:00:00Z", found: [] },
};

describe("parseFaultlineStatus", () => {
  it("reads status.json", () => {
    expect(parseFaultlineStatus({ metadata: { name: "faultline-status" }, data: { "status.json": JSON.stringify(status) } }, "chaos-mesh")).toEqual({ status });
  });
  it("names the ConfigMap and key when it is not there or not JSON", () => {
    expect(parseFaultlineStatus({ metadata: { name: "faultline-status" } }, "chaos-mesh")).toEqual({ problem: "ConfigMap chaos-mesh/faultline-status has no status.json yet: the manager has not published its status" });
    expect(parseFaultlineStatus({ metadata: { name: "faultline-status" }, data: { "status.json": "{" } }, "x")).toMatchObject({ problem: expect.stringMatching(/^ConfigMap x\/faultline-status: status.json is not JSON: /) });
    expect(parseFaultlineStatus({ metadata: { name: "faultline-status" }, data: { "status.json": "{}" } }, "x")).toEqual({ problem: "ConfigMap x/faultline-status: status.json has no nodes list" });
  });
  it("its path", () => {
    expect(faultlineStatusPath("chaos-mesh")).toBe("api/v1/namespaces/chaos-mesh/configmaps/faultline-status");
  });
});

describe("nodeRows", () => {
  it("one row per node, by name: daemon, version, reachability and each served kind's capability", () => {
    expect(nodeRows(status)).toEqual([
      {
        node: "worker-a",
        daemon: "pod chaos-mesh/daemon-x",
        version: "0.1.0",
        reachability: "Reachable",
        capabilities: [
          { kind: "NetworkChaos", state: "Not capable", reason: "no tc binary" },
          { kind: "PodChaos", state: "Capable" },
        ],
      },
      { node: "worker-b", daemon: "no daemon", version: "-", reachability: "No daemon", capabilities: [{ kind: "NetworkChaos", state: "Unknown" }, { kind: "PodChaos", state: "Unknown" }] },
      { node: "worker-c", daemon: "static address", version: "-", reachability: "Unreachable", error: "connect ECONNREFUSED", capabilities: [{ kind: "NetworkChaos", state: "Unknown" }, { kind: "PodChaos", state: "Unknown" }] },
    ]);
  });
});
