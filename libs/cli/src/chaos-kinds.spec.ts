import { chaosKindsOf, chaosPath, findChaosKind, parseKindName } from "./chaos-kinds.js";

const discovery = {
  resources: [
    { name: "podchaos", singularName: "podchaos", kind: "PodChaos", namespaced: true },
    { name: "podchaos/status", kind: "PodChaos", namespaced: true },
    { name: "networkchaos", singularName: "networkchaos", kind: "NetworkChaos", namespaced: true, shortNames: ["nc"] },
    { name: "schedules", singularName: "schedule", kind: "Schedule", namespaced: true },
    { name: "recordshards", singularName: "recordshard", kind: "RecordShard", namespaced: true },
  ],
};

describe("chaos kinds", () => {
  const kinds = chaosKindsOf(discovery);

  it("keeps the namespaced *Chaos kinds of discovery, without subresources or orchestration", () => {
    expect(kinds.map((k) => k.kind)).toEqual(["NetworkChaos", "PodChaos"]);
  });

  it("finds a kind by kind, plural or short name, case-insensitive", () => {
    expect(findChaosKind(kinds, "PodChaos").plural).toBe("podchaos");
    expect(findChaosKind(kinds, "networkchaos").kind).toBe("NetworkChaos");
    expect(findChaosKind(kinds, "NC").kind).toBe("NetworkChaos");
    expect(findChaosKind(kinds, "podchaos.chaos-mesh.org").kind).toBe("PodChaos");
  });

  it("refuses an unknown kind, listing what the cluster serves", () => {
    expect(() => findChaosKind(kinds, "DiskChaos")).toThrow('unknown chaos kind "DiskChaos": the cluster serves NetworkChaos, PodChaos');
  });

  it("parses kind/name and refuses anything else", () => {
    expect(parseKindName("podchaos/web-kill")).toEqual({ kind: "podchaos", name: "web-kill" });
    expect(() => parseKindName("web-kill")).toThrow(/"web-kill" is not kind\/name/);
    expect(() => parseKindName("a/b/c")).toThrow(/is not kind\/name/);
  });

  it("builds namespaced and cluster-wide paths", () => {
    expect(chaosPath(kinds[1]!, "demo", "x")).toBe("/apis/chaos-mesh.org/v1alpha1/namespaces/demo/podchaos/x");
    expect(chaosPath(kinds[1]!, undefined)).toBe("/apis/chaos-mesh.org/v1alpha1/podchaos");
  });
});
