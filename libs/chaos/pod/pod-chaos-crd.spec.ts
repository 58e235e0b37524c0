import { validateAgainstSchema } from "@faultline/api";
import { podChaosCrd } from "./pod-chaos-crd.js";

const [version] = podChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;
const spec = schema.properties!.spec!;
const manifest = (over: object): object => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "PodChaos",
  metadata: { name: "pod-failure-example", namespace: "chaos-testing" },
  spec: { action: "pod-failure", mode: "one", duration: "30s", selector: { labelSelectors: { "app.kubernetes.io/component": "tikv" } }, ...over },
});

// What the real API server makes of these (CEL included) is in pod-chaos-crd.integration.spec.ts;
// here, the schema's shape and the manifests a schema check alone decides.
describe("the PodChaos CRD", () => {
  it("names the kind as Chaos Mesh does and prints the action", () => {
    expect(podChaosCrd.metadata.name).toBe("podchaos.chaos-mesh.org");
    expect(podChaosCrd.spec.names).toMatchObject({ kind: "PodChaos", plural: "podchaos", singular: "podchaos", listKind: "PodChaosList" });
    expect(version!.additionalPrinterColumns?.map((c) => c.name)).toEqual(["action", "injected", "duration", "age"]);
  });

  it("accepts Chaos Mesh's example manifests", () => {
    expect(validateAgainstSchema(manifest({}), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest({ action: "pod-kill", duration: undefined, gracePeriod: 0 }), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest({ action: "container-kill", containerNames: ["prometheus"], duration: undefined }), schema)).toEqual([]);
  });

  it("rejects an unknown action, a negative grace period and a malformed duration, naming the field", () => {
    expect(validateAgainstSchema(manifest({ action: "pod-explode" }), schema)).toEqual([".spec.action: must be one of pod-kill, pod-failure, container-kill"]);
    expect(validateAgainstSchema(manifest({ gracePeriod: -1 }), schema)).toEqual([".spec.gracePeriod: must be >= 0"]);
    expect(validateAgainstSchema(manifest({ duration: "30 seconds" }), schema)).toEqual([expect.stringMatching(/^\.spec\.duration: must match/)]);
    expect(validateAgainstSchema(manifest({ action: undefined }), schema)).toEqual([".spec.action: required"]);
  });

  it("carries the CEL rules the API server enforces: containerNames for container-kill, no remote cluster", () => {
    expect(spec["x-kubernetes-validations"]).toEqual([
      expect.objectContaining({ fieldPath: ".containerNames", message: "the name of container is required on container-kill action" }),
      expect.objectContaining({ fieldPath: ".remoteCluster" }),
    ]);
  });
});
