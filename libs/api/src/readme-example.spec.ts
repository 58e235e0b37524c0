// README.md's example is src/readme-example.ts, pasted verbatim; this keeps the two in step and
// checks that the CRD it builds accepts and rejects what it should, and that the type follows.
import { readFile } from "node:fs/promises";
import { validateAgainstSchema } from "./openapi-validation.js";
import { podChaosCrd, type PodChaos } from "./readme-example.js";

const schema = podChaosCrd.spec.versions[0]!.schema.openAPIV3Schema;
const manifest = (spec: object): object => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "PodChaos",
  metadata: { name: "kill-one" },
  spec: { selector: { labelSelectors: { app: "web" } }, mode: "one", action: "pod-kill", ...spec },
});

describe("README example", () => {
  test("README.md contains src/readme-example.ts verbatim in a ts block", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const example = await readFile(new URL("./readme-example.ts", import.meta.url), "utf8");
    expect(readme).toContain("```ts\n" + example + "```\n");
  });

  test("builds a PodChaos CRD with the shared names, columns and status", () => {
    expect(podChaosCrd.metadata.name).toBe("podchaos.chaos-mesh.org");
    expect(podChaosCrd.spec.names).toMatchObject({ kind: "PodChaos", plural: "podchaos", listKind: "PodChaosList" });
    expect(podChaosCrd.spec.versions[0]!.additionalPrinterColumns?.map((c) => c.name)).toEqual(["action", "injected", "duration", "age"]);
    expect(schema.properties?.status?.properties?.experiment).toBeDefined();
    expect(schema.properties?.spec?.required).toEqual(["selector", "mode", "action"]);
  });

  test("accepts a PodChaos and rejects a bad action or a missing one", () => {
    expect(validateAgainstSchema(manifest({}), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest({ action: "pod-explode" }), schema)).toEqual([
      ".spec.action: must be one of pod-kill, pod-failure, container-kill",
    ]);
    expect(validateAgainstSchema(manifest({ action: undefined }), schema)).toEqual([".spec.action: required"]);
  });

  test("the type is the schema's", () => {
    const chaos: PodChaos = {
      apiVersion: "chaos-mesh.org/v1alpha1",
      kind: "PodChaos",
      metadata: { name: "kill-one" },
      spec: { selector: {}, mode: "one", action: "container-kill", containerNames: ["web"] },
    };
    // @ts-expect-error: an action the schema does not allow is a compile error too
    const wrong: PodChaos["spec"]["action"] = "pod-explode";
    expect(validateAgainstSchema(chaos, schema)).toEqual([]);
    expect(wrong).toBe("pod-explode");
  });
});
