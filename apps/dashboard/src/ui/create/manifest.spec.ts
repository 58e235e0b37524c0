import { pauseAnnotation, planAnnotation } from "@faultline/api";
import { buildManifest, currentPlan, experimentRoute, manifestYaml, parseManifestYaml, planObject, statusFieldErrors } from "./manifest.js";

const kinds = ["PodChaos", "NetworkChaos"];

describe("the YAML tab", () => {
  const manifest = buildManifest("PodChaos", "shop", "kill-one", { action: "pod-kill", mode: "one", selector: { labelSelectors: { app: "web" } } });

  it("round-trips the object the form builds", () => {
    const text = manifestYaml(manifest);
    expect(text).toContain("apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata:\n  name: kill-one\n  namespace: shop\n");
    expect(parseManifestYaml(text, kinds)).toEqual({ ok: true, manifest });
  });

  it("keeps labels and annotations typed in YAML", () => {
    const parsed = parseManifestYaml("apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: {name: a, namespace: b, labels: {team: x}}\nspec: {}\n", kinds);
    expect(parsed).toEqual({ ok: true, manifest: buildManifest("PodChaos", "b", "a", {}, { labels: { team: "x" } }) });
  });

  it.each([
    ["kind: [", "not valid YAML"],
    ["a: 1\n---\nb: 2\n", "one chaos object expected, the text holds 2 documents"],
    ["- 1\n", "not a Kubernetes object"],
    ["apiVersion: v1\nkind: Pod\n", 'apiVersion must be chaos-mesh.org/v1alpha1, not "v1"'],
    ["apiVersion: chaos-mesh.org/v1alpha1\nkind: DiskChaos\n", 'kind must be one of the cluster\'s chaos kinds (PodChaos, NetworkChaos), not "DiskChaos"'],
    ["apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: {namespace: b}\n", "metadata.name must be a string"],
    ["apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: {name: a}\n", "metadata.namespace must be a string"],
    ["apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: {name: a, namespace: b}\nspec: [1]\n", "spec must be a mapping"],
    ["apiVersion: chaos-mesh.org/v1alpha1\nkind: PodChaos\nmetadata: {name: a, namespace: b, labels: {n: 1}}\n", "metadata.labels must map names to strings"],
  ])("refuses %j naming what is wrong", (text, error) => {
    const parsed = parseManifestYaml(text, kinds);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.error).toContain(error);
  });
});

describe("Preview targets and the API server's answers", () => {
  it("plans under a generated name with the plan and pause annotations, the user's annotations kept", () => {
    const manifest = buildManifest("PodChaos", "shop", "kill-one", { action: "pod-kill" }, { annotations: { note: "x" } });
    expect(planObject(manifest)).toEqual({
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "PodChaos",
      metadata: { generateName: "kill-one-plan-", namespace: "shop", annotations: { note: "x", [planAnnotation]: "true", [pauseAnnotation]: "true" } },
      spec: { action: "pod-kill" },
    });
  });

  it("takes a plan only once it is for the object's generation", () => {
    const plan = { generatedAt: "2026-12-06T00:00:00Z", observedGeneration: 1, mode: "one", candidates: 0, picks: 0, randomness: "", targets: [] };
    expect(currentPlan({ metadata: { generation: 2 }, status: { plan } })).toBeUndefined();
    expect(currentPlan({ metadata: { generation: 1 }, status: { plan } })).toBe(plan);
    expect(currentPlan({ metadata: { generation: 1 }, status: {} })).toBeUndefined();
  });

  it("reads the field errors of a 422 Status", () => {
    const status = {
      kind: "Status",
      status: "Failure",
      code: 422,
      details: { causes: [{ reason: "FieldValueNotSupported", message: 'Unsupported value: "x": supported values: "pod-kill"', field: "spec.action" }, { reason: "FieldValueRequired" }] },
    };
    expect(statusFieldErrors(status)).toEqual([
      { field: "spec.action", message: 'Unsupported value: "x": supported values: "pod-kill"' },
      { field: "", message: "FieldValueRequired" },
    ]);
    expect(statusFieldErrors({ kind: "Status" })).toEqual([]);
    expect(statusFieldErrors(null)).toEqual([]);
  });

  it("routes to the created experiment", () => {
    expect(experimentRoute("shop", "podchaos", "kill-one")).toBe("#/experiments/shop/podchaos/kill-one");
  });
});
