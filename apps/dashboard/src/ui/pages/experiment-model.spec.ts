import { eventRows, recordShardsPath, selectorEntries, selectorValueText, shardRecords, type EventObject, type RecordShardObject } from "./experiment-model.js";

describe("selectorEntries", () => {
  it("mode, value, each selector field and containerNames, in words", () => {
    expect(
      selectorEntries({
        action: "pod-kill",
        mode: "fixed-percent",
        value: "50",
        selector: { namespaces: ["shop", "cart"], labelSelectors: { app: "web", tier: "front" }, expressionSelectors: [{ key: "zone", operator: "In", values: ["a", "b"] }, { key: "canary", operator: "DoesNotExist" }] },
        containerNames: ["app"],
      }),
    ).toEqual([
      ["mode", "fixed-percent"],
      ["value", "50"],
      ["selector.namespaces", "shop, cart"],
      ["selector.labelSelectors", "app=web, tier=front"],
      ["selector.expressionSelectors", "zone In (a, b), canary DoesNotExist"],
      ["containerNames", "app"],
    ]);
  });
  it("NetworkChaos's target selector too", () => {
    expect(selectorEntries({ mode: "all", selector: { pods: { shop: ["a"] } }, target: { mode: "one", selector: { namespaces: ["db"] } } })).toEqual([
      ["mode", "all"],
      ["selector.pods", "shop: a"],
      ["target.mode", "one"],
      ["target.selector.namespaces", "db"],
    ]);
  });
  it("a kind that selects nothing says so", () => {
    expect(selectorEntries({ duration: "1m" })).toEqual([["selector", "none (the kind selects no pods)"]]);
    expect(selectorValueText(undefined)).toBe("");
  });
});

describe("RecordShards", () => {
  it("their path selects by the experiment's uid", () => {
    expect(recordShardsPath("shop", "abc-123")).toBe("apis/chaos-mesh.org/v1alpha1/namespaces/shop/recordshards?labelSelector=faultline.chaos-mesh.org%2Fexperiment-uid%3Dabc-123");
  });
  it("their records come in index order", () => {
    const shard = (index: number, ids: string[]): RecordShardObject => ({
      metadata: { name: `x-records-${index}` },
      spec: { experiment: { kind: "PodChaos", name: "x" }, index, records: ids.map((id) => ({ id, selectorKey: ".", phase: "Injected", injectedCount: 1, recoveredCount: 0 })) },
    });
    expect(shardRecords([shard(1, ["c"]), shard(0, ["a", "b"])]).map((r) => r.id)).toEqual(["a", "b", "c"]);
  });
});

describe("eventRows", () => {
  const event = (name: string, uid: string, extra: Partial<EventObject>): EventObject => ({ metadata: { name, namespace: "shop", uid: `e-${name}` }, involvedObject: { uid, name: "web" }, ...extra });
  it("the object's Events (not an earlier object's of the same name), newest first, series counts", () => {
    const rows = eventRows(
      [
        event("a", "u1", { type: "Normal", reason: "Applied", message: "injected 2 records", count: 1, lastTimestamp: "2026-01-01T12:00:00Z" }),
        event("b", "u0", { type: "Normal", reason: "Applied", lastTimestamp: "2026-01-01T13:00:00Z" }),
        event("c", "u1", { type: "Warning", reason: "Failed", message: "no daemon", eventTime: "2026-01-01T12:05:00Z", series: { count: 4, lastObservedTime: "2026-01-01T12:30:00Z" } }),
      ],
      "u1",
    );
    expect(rows).toEqual([
      { key: "e-c", type: "Warning", reason: "Failed", message: "no daemon", count: 4, lastSeen: "2026-01-01T12:30:00Z" },
      { key: "e-a", type: "Normal", reason: "Applied", message: "injected 2 records", count: 1, lastSeen: "2026-01-01T12:00:00Z" },
    ]);
  });
});
