import type { Record } from "@faultline/api";
import { conditionsCell, podOfRecordId, renderStatusDetail, renderStatusTable, summarizeExperiment, watchFrame, watchLine, type ChaosObject } from "./status-summary.js";

const record = (id: string, phase: Record["phase"]): Record => ({ id, selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0 });
const object: ChaosObject = {
  metadata: { name: "web-kill", namespace: "shop", uid: "u1", creationTimestamp: "2026-12-06T17:58:00Z", annotations: { "experiment.chaos-mesh.org/pause": "true" } },
  status: {
    conditions: [
      { type: "Selected", status: "True" },
      { type: "AllInjected", status: "False" },
      { type: "Paused", status: "True", reason: "KillSwitch", message: "the kill switch (killswitch/cluster) is engaged: incident" },
    ],
    experiment: { desiredPhase: "Stop" },
  },
};
const nodes = new Map([
  ["shop/a", "node-1"],
  ["shop/b", "node-2"],
  ["shop/c", "node-1"],
]);
const now = new Date("2026-12-06T18:00:00Z");

describe("status summary", () => {
  const records = [record("shop/a/app", "Injected"), record("shop/b", "Not Injected"), record("shop/c/app", "Injected/Held"), record("shop/gone", "Not Injected")];
  const summary = summarizeExperiment("PodChaos", object, records, (p) => nodes.get(p), [
    { type: "Normal", reason: "Applied", message: "late", count: 1, lastSeen: "2026-12-06T17:59:50Z" },
    { type: "Warning", reason: "Failed", message: "early", count: 3, lastSeen: "2026-12-06T17:59:00Z" },
  ], "experiment.chaos-mesh.org/pause");

  it("counts injected/total overall and per node of each record's pod", () => {
    expect(podOfRecordId("shop/a/app")).toBe("shop/a");
    expect(summary.records).toEqual({ injected: 2, total: 4 });
    expect(summary.nodes).toEqual([
      { node: "", injected: 0, total: 1 },
      { node: "node-1", injected: 2, total: 2 },
      { node: "node-2", injected: 0, total: 1 },
    ]);
    expect(summary.paused).toBe(true);
    expect(summary.events.map((e) => e.reason)).toEqual(["Failed", "Applied"]);
  });

  it("takes the counts of a sharded experiment from recordCounts", () => {
    const sharded = summarizeExperiment("HelloWorldChaos", { ...object, status: { experiment: { recordCounts: { Injected: 1500, "Not Injected": 500 } } } }, [], () => undefined, [], "p");
    expect(sharded.records).toEqual({ injected: 1500, total: 2000 });
  });

  it("shows the True conditions, Paused with its reason", () => {
    expect(conditionsCell(summary.conditions)).toBe("Selected,Paused(KillSwitch)");
  });

  it("prints a table with the last event", () => {
    expect(renderStatusTable([summary], { allNamespaces: true, now })).toBe(
      [
        "NAMESPACE   KIND       NAME       PHASE           INJECTED   NODES                                   CONDITIONS                    AGE   LAST EVENT",
        "shop        PodChaos   web-kill   Stop (paused)   2/4        (no node) 0/1, node-1 2/2, node-2 0/1   Selected,Paused(KillSwitch)   2m    Applied: late",
        "",
      ].join("\n"),
    );
  });

  it("prints one experiment in detail with its events, newest last", () => {
    const text = renderStatusDetail(summary, { now });
    expect(text).toContain("PodChaos shop/web-kill\n");
    expect(text).toContain("  injected:  2/4 [##########----------]\n");
    expect(text).toContain("    node-1: 2/2 injected\n");
    expect(text).toContain("    Paused=True KillSwitch: the kill switch (killswitch/cluster) is engaged: incident\n");
    expect(text.indexOf("Failed (x3): early")).toBeLessThan(text.indexOf("Applied: late"));
  });

  it("draws watch lines and frames", () => {
    expect(watchLine(summary)).toBe("PodChaos shop/web-kill Stop (paused) injected 2/4 nodes (no node) 0/1, node-1 2/2, node-2 0/1 conditions Selected,Paused(KillSwitch)");
    const frame = watchFrame([summary], now);
    expect(frame[0]).toContain("faultline status --watch");
    expect(frame[1]).toContain("PodChaos shop/web-kill  [##########----------]     2/4");
    expect(watchFrame([], now)[1]).toBe("no chaos experiments");
  });
});
