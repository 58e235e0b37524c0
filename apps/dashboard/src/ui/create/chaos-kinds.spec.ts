import { chaosKindsOf, pluralOf } from "./chaos-kinds.js";

const discovery = {
  resources: [
    { name: "podchaos", kind: "PodChaos", namespaced: true },
    { name: "podchaos/status", kind: "PodChaos", namespaced: true },
    { name: "diskfillchaos", kind: "DiskFillChaos", namespaced: true },
    { name: "killswitches", kind: "KillSwitch", namespaced: false },
    { name: "clusterchaos", kind: "ClusterChaos", namespaced: false },
    { name: "workflows", kind: "Workflow", namespaced: true },
    { name: "schedules", kind: "Schedule", namespaced: true },
  ],
};

describe("chaosKindsOf", () => {
  it("takes namespaced kinds ending in Chaos, a kind unknown to the dashboard included, without subresources", () => {
    expect(chaosKindsOf(discovery)).toEqual([
      { kind: "DiskFillChaos", plural: "diskfillchaos" },
      { kind: "PodChaos", plural: "podchaos" },
    ]);
    expect(chaosKindsOf({})).toEqual([]);
  });

  it("finds any kind's plural", () => {
    expect(pluralOf(discovery, "Workflow")).toBe("workflows");
    expect(pluralOf(discovery, "PodChaos")).toBe("podchaos");
    expect(pluralOf(discovery, "Nope")).toBeUndefined();
  });
});
