import { BlastRadiusError, blastRadiusOverrideAnnotation, checkBlastRadius } from "./blast-radius.js";

const obj = (annotations?: { [key: string]: string }) => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { namespace: "ns", name: "x", ...(annotations && { annotations }) }, spec: {} });
const ids = (namespace: string, n: number) => Array.from({ length: n }, (_, i) => `${namespace}/p-${i}`);
const tenPods = async () => 10;

describe("checkBlastRadius", () => {
  it("refuses more records than maxRecords, with the numbers and the override annotation", async () => {
    const refusal = checkBlastRadius(obj(), ids("ns", 5), { maxRecords: 4, maxNamespacePercent: 100 }, tenPods);
    await expect(refusal).rejects.toThrow(BlastRadiusError);
    await expect(refusal).rejects.toThrow(
      `blast radius exceeded: 5 records selected, the manager allows at most 4 per experiment (--max-records, chart guardRails.maxRecords); add the annotation ${blastRadiusOverrideAnnotation}: "true" to run it anyway`,
    );
    await expect(checkBlastRadius(obj(), ids("ns", 4), { maxRecords: 4, maxNamespacePercent: 100 }, tenPods)).resolves.toBeUndefined();
  });

  it("refuses more than maxNamespacePercent of a namespace's pods, counting pods once whatever their containers", async () => {
    const limits = { maxRecords: 1000, maxNamespacePercent: 50 };
    const podsIn = async (namespace: string) => (namespace === "big" ? 100 : 10);
    await expect(checkBlastRadius(obj(), [...ids("big", 50), ...ids("ns", 6)], limits, podsIn)).rejects.toThrow(
      "blast radius exceeded: 6 of the 10 pods of namespace ns selected (60%), the manager allows at most 50% (--max-namespace-percent, chart guardRails.maxNamespacePercent)",
    );
    // two containers of each of 5 pods: 5 pods, 50%
    const containers = ids("ns", 5).flatMap((pod) => [`${pod}/a`, `${pod}/b`]);
    await expect(checkBlastRadius(obj(), containers, limits, podsIn)).resolves.toBeUndefined();
  });

  it("takes any share of a namespace at 100 (Chaos Mesh's mode all), without listing pods", async () => {
    let listed = 0;
    await checkBlastRadius(obj(), ids("ns", 10), { maxRecords: 1000, maxNamespacePercent: 100 }, async () => ++listed);
    expect(listed).toBe(0);
  });

  it("lets an object with the override annotation run above both limits", async () => {
    const limits = { maxRecords: 1, maxNamespacePercent: 10 };
    await expect(checkBlastRadius(obj({ [blastRadiusOverrideAnnotation]: "true" }), ids("ns", 10), limits, tenPods)).resolves.toBeUndefined();
    await expect(checkBlastRadius(obj({ [blastRadiusOverrideAnnotation]: "yes" }), ids("ns", 10), limits, tenPods)).rejects.toThrow(BlastRadiusError);
  });
});
