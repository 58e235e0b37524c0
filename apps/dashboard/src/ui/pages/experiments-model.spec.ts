import type { ChaosCondition } from "@faultline/api";
import { age, chaosCollectionPath, chaosKindsOf, experimentPhaseOf, experimentRow, filterRows, filtersOf, lookupChaosKind, recordCounts, type ChaosObject } from "./experiments-model.js";

const cond = (type: ChaosCondition["type"], status: "True" | "False", reason?: string): ChaosCondition => ({ type, status, ...(reason ? { reason } : {}) });
const chaos = (name: string, extra: Partial<ChaosObject> = {}, namespace = "shop"): ChaosObject => ({ metadata: { name, namespace, uid: `u-${name}`, ...extra.metadata }, ...(extra.status ? { status: extra.status } : {}) });

describe("chaosKindsOf (discovery)", () => {
  it("keeps namespaced kinds ending in Chaos, without subresources, by kind", () => {
    const kinds = chaosKindsOf({
      resources: [
        { name: "podchaos", kind: "PodChaos", namespaced: true },
        { name: "podchaos/status", kind: "PodChaos", namespaced: true },
        { name: "networkchaos", kind: "NetworkChaos", namespaced: true },
        { name: "schedules", kind: "Schedule", namespaced: true },
        { name: "recordshards", kind: "RecordShard", namespaced: true },
        { name: "clusterchaos", kind: "ClusterChaos", namespaced: false },
      ],
    });
    expect(kinds).toEqual([
      { kind: "NetworkChaos", plural: "networkchaos" },
      { kind: "PodChaos", plural: "podchaos" },
    ]);
    expect(chaosCollectionPath("podchaos", undefined)).toBe("apis/chaos-mesh.org/v1alpha1/podchaos");
    expect(chaosCollectionPath("podchaos", "a b")).toBe("apis/chaos-mesh.org/v1alpha1/namespaces/a%20b/podchaos");
  });
});

describe("lookupChaosKind (a route's plural)", () => {
  const discovery = { resources: [{ name: "podchaos", kind: "PodChaos", namespaced: true }, { name: "schedules", kind: "Schedule", namespaced: true }] };
  it("is known only when discovery lists it as a chaos kind", () => {
    expect(lookupChaosKind(undefined, "podchaos")).toEqual({ state: "loading" });
    expect(lookupChaosKind(discovery, "podchaos")).toEqual({ state: "known", kind: { kind: "PodChaos", plural: "podchaos" } });
    expect(lookupChaosKind(discovery, "schedules")).toEqual({ state: "unknown", plural: "schedules" });
    expect(lookupChaosKind(discovery, "../../../../../api/v1/namespaces")).toEqual({ state: "unknown", plural: "../../../../../api/v1/namespaces" });
  });
  it("a plural that would climb out of the path is encoded or refused, never resolved", () => {
    expect(chaosCollectionPath("../../../../../api/v1/namespaces", "default")).not.toMatch(/\/\.\.\//);
    expect(() => chaosCollectionPath("..", "default")).toThrow(/not a valid name/);
  });
});

describe("experimentPhaseOf", () => {
  it.each<[string, ChaosObject, string]>([
    ["no status yet", chaos("a"), "Pending"],
    ["pause annotation before the manager decided", chaos("a", { metadata: { name: "a", annotations: { "experiment.chaos-mesh.org/pause": "true" } } }), "Paused"],
    ["running, not all injected", chaos("a", { status: { experiment: { desiredPhase: "Run" }, conditions: [cond("AllInjected", "False")] } }), "Injecting"],
    ["running, all injected", chaos("a", { status: { experiment: { desiredPhase: "Run" }, conditions: [cond("AllInjected", "True"), cond("Paused", "False")] } }), "Injected"],
    ["paused condition wins", chaos("a", { status: { experiment: { desiredPhase: "Stop" }, conditions: [cond("AllRecovered", "True"), cond("Paused", "True", "KillSwitch")] } }), "Paused"],
    ["stopping", chaos("a", { status: { experiment: { desiredPhase: "Stop" }, conditions: [cond("AllRecovered", "False")] } }), "Recovering"],
    ["finished", chaos("a", { status: { experiment: { desiredPhase: "Stop" }, conditions: [cond("AllRecovered", "True")] } }), "Recovered"],
    ["plan annotation", chaos("a", { metadata: { name: "a", annotations: { "faultline.chaos-mesh.org/plan": "true" } }, status: { conditions: [cond("Paused", "True", "PlanOnly")] } }), "Planned"],
  ])("%s → %s", (_, object, phase) => {
    expect(experimentPhaseOf(object)).toBe(phase);
  });
});

describe("recordCounts", () => {
  it("from the records (sub-phases count as their base phase)", () => {
    expect(
      recordCounts({
        experiment: {
          containerRecords: [
            { id: "s/a", selectorKey: ".", phase: "Injected", injectedCount: 1, recoveredCount: 0 },
            { id: "s/b", selectorKey: ".", phase: "Injected/Wait", injectedCount: 1, recoveredCount: 0 },
            { id: "s/c", selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 },
          ],
        },
      }),
    ).toEqual({ injected: 2, total: 3 });
  });
  it("from the counts per phase when the records are in RecordShards", () => {
    expect(recordCounts({ experiment: { recordShards: 11, recordCounts: { Injected: 9998, "Not Injected": 2 } } })).toEqual({ injected: 9998, total: 10000 });
    expect(recordCounts(undefined)).toEqual({ injected: 0, total: 0 });
  });
});

describe("filters", () => {
  const kind = { kind: "PodChaos", plural: "podchaos" };
  const net = { kind: "NetworkChaos", plural: "networkchaos" };
  const rows = [
    experimentRow(kind, chaos("b", { status: { experiment: { desiredPhase: "Run" }, conditions: [cond("AllInjected", "True")] } })),
    experimentRow(net, chaos("a", { status: { experiment: { desiredPhase: "Run" } } })),
    experimentRow(kind, chaos("c", {}, "other")),
  ];

  it("filtersOf reads namespace, kind and state from the URL, empty values left out", () => {
    expect(filtersOf(new URLSearchParams("namespace=shop&kind=&state=Injected"))).toEqual({ namespace: "shop", state: "Injected" });
  });
  it("filterRows keeps the matching rows, by namespace, kind, name", () => {
    expect(filterRows(rows, {}).map((r) => `${r.namespace}/${r.kind}/${r.name}`)).toEqual(["other/PodChaos/c", "shop/NetworkChaos/a", "shop/PodChaos/b"]);
    expect(filterRows(rows, { namespace: "shop" }).map((r) => r.name)).toEqual(["a", "b"]);
    expect(filterRows(rows, { kind: "PodChaos" }).map((r) => r.name)).toEqual(["c", "b"]);
    expect(filterRows(rows, { state: "Injected" }).map((r) => r.name)).toEqual(["b"]);
    expect(filterRows(rows, { state: "Injecting", kind: "PodChaos" })).toEqual([]);
  });
  it("a row carries what the list shows", () => {
    expect(rows[0]).toMatchObject({ kind: "PodChaos", plural: "podchaos", namespace: "shop", name: "b", phase: "Injected", paused: false, injected: 0, total: 0 });
  });
});

describe("age", () => {
  const now = Date.parse("2026-01-01T12:00:00Z");
  it.each([
    ["2026-01-01T11:59:15Z", "45s"],
    ["2026-01-01T11:57:00Z", "3m"],
    ["2026-01-01T09:00:00Z", "3h"],
    ["2025-12-27T12:00:00Z", "5d"],
    [undefined, "-"],
  ])("%s", (from, text) => {
    expect(age(from, now)).toBe(text);
  });
});
