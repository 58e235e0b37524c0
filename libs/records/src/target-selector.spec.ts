import { kindOf, type ChaosKind } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { selectionFailureReason, specErrorReasons } from "./selection-failure.js";
import { createTargetSelector, ProtectedNamespaceError } from "./target-selector.js";
import { testCrd, testDeps } from "./testing/in-memory-seams.test-support.js";

const pod = (name: string, app: string): V1Pod => ({ metadata: { namespace: "ns", name, labels: { app } }, status: { phase: "Running" } });
const source = createInMemoryPodSource({ pods: [pod("a-0", "a"), pod("a-1", "a"), pod("b-0", "b")] });
const byApp = (app: string) => ({ selector: { namespaces: ["ns"], labelSelectors: { app } }, mode: "all" as const });

/** A kind with two selectors, as NetworkChaos's `selector` (".") and `target` (".Target"). */
function twoSided(first: string, second: string): ChaosKind {
  return kindOf(
    {
      crd: testCrd("TwoSidedChaos"),
      oneShot: false,
      selectorKind: "pod",
      selectors: () => [
        { key: ".", selector: byApp(first) },
        { key: ".Target", selector: byApp(second) },
      ],
      manager: () => ({ apply: async () => "Injected", recover: async () => "Not Injected" }),
    },
    testDeps(),
  );
}
const obj = { apiVersion: "chaos-mesh.org/v1alpha1", kind: "TwoSidedChaos", metadata: { namespace: "ns", name: "x" }, spec: {} };

describe("createTargetSelector", () => {
  it("records each selector's targets under its key", async () => {
    const targets = await createTargetSelector(source).select(twoSided("a", "b"), obj);
    expect(targets).toEqual([
      { recordId: "ns/a-0", selectorKey: "." },
      { recordId: "ns/a-1", selectorKey: "." },
      { recordId: "ns/b-0", selectorKey: ".Target" },
    ]);
  });

  it("gives a pod both selectors chose a record for each role, as Chaos Mesh does", async () => {
    const targets = await createTargetSelector(source).select(twoSided("a", "a"), obj);
    expect(targets).toEqual([
      { recordId: "ns/a-0", selectorKey: "." },
      { recordId: "ns/a-1", selectorKey: "." },
      { recordId: "ns/a-0", selectorKey: ".Target" },
      { recordId: "ns/a-1", selectorKey: ".Target" },
    ]);
  });

  it("never chooses a pod of a protected namespace, and says why nothing was chosen", async () => {
    await expect(createTargetSelector(source, { protectedNamespaces: ["ns"] }).select(twoSided("a", "b"), obj)).rejects.toThrow(
      "no pod is selected: namespace ns is protected (the manager's --protected-namespaces)",
    );
    expect(await createTargetSelector(source, { protectedNamespaces: ["kube-system"] }).select(twoSided("a", "b"), obj)).toHaveLength(3);
  });

  it("refuses an experiment above the blast radius with BlastRadiusExceeded, and lets the override through", async () => {
    const limited = createTargetSelector(source, { blastRadius: { maxRecords: 1000, maxNamespacePercent: 50 } });
    // a-0, a-1, b-0: all 3 pods of ns
    await expect(limited.select(twoSided("a", "b"), obj)).rejects.toMatchObject({ reason: "BlastRadiusExceeded", message: expect.stringContaining("3 of the 3 pods of namespace ns selected (100%)") });
    const overridden = { ...obj, metadata: { ...obj.metadata, annotations: { "faultline.chaos-mesh.org/blast-radius-override": "true" } } };
    expect(await limited.select(twoSided("a", "b"), overridden)).toHaveLength(3);
    expect(await limited.select(twoSided("b", "b"), obj)).toHaveLength(2); // one pod, two roles: 1 of 3
  });

  it("names the protected namespaces a selector asks for besides the ones it may target", () => {
    const mixed = kindOf(
      { crd: testCrd("MixedChaos"), oneShot: false, selectorKind: "pod", selectors: () => [{ key: ".", selector: { selector: { namespaces: ["ns", "kube-system", "faultline"] }, mode: "all" as const } }], manager: () => ({ apply: async () => "Injected", recover: async () => "Not Injected" }) },
      testDeps(),
    );
    expect(createTargetSelector(source, { protectedNamespaces: ["kube-system", "faultline"] }).protectedNamespacesAskedFor!(mixed, obj)).toEqual(["faultline", "kube-system"]);
    expect(createTargetSelector(source, { protectedNamespaces: ["kube-system"] }).protectedNamespacesAskedFor!(twoSided("a", "b"), obj)).toEqual([]);
  });

  it("refuses a selection that names only protected namespaces with ProtectedNamespace (not retried); one naming another namespace too stays NoPodSelected", async () => {
    const only = createTargetSelector(source, { protectedNamespaces: ["ns"] }).select(twoSided("a", "b"), obj);
    await expect(only).rejects.toBeInstanceOf(ProtectedNamespaceError);
    await expect(only).rejects.toMatchObject({ reason: "ProtectedNamespace", message: "no pod is selected: namespace ns is protected (the manager's --protected-namespaces)" });
    const mixed = kindOf(
      { crd: testCrd("MixedChaos"), oneShot: false, selectorKind: "pod", selectors: () => [{ key: ".", selector: { selector: { namespaces: ["ns", "empty"] }, mode: "all" as const } }], manager: () => ({ apply: async () => "Injected", recover: async () => "Not Injected" }) },
      testDeps(),
    );
    await expect(createTargetSelector(source, { protectedNamespaces: ["ns"] }).select(mixed, obj)).rejects.toMatchObject({ reason: "NoPodSelected" });
    expect(selectionFailureReason(new ProtectedNamespaceError("x"))).toBe("ProtectedNamespace");
    expect(specErrorReasons.has("ProtectedNamespace")).toBe(true);
  });
});

