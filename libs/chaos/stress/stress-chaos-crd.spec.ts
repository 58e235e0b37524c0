import { validateAgainstSchema, type OpenApiSchema } from "@faultline/api";
import { stressChaosCrd, stressNgAllowlistMessage } from "./stress-chaos-crd.js";

const [version] = stressChaosCrd.spec.versions;
const schema = version!.schema.openAPIV3Schema;
const spec = schema.properties!.spec!;
const stressors = spec.properties!["stressors"]!;
const manifest = (over: object): object => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "StressChaos",
  metadata: { name: "memory-stress-example", namespace: "chaos-mesh" },
  spec: { mode: "one", selector: { labelSelectors: { app: "app1" } }, stressors: { memory: { workers: 4, size: "256MB" } }, ...over },
});

// The schema's own checks here; the CEL rules as the real API server runs them are in
// stress-chaos-crd.integration.spec.ts.
describe("the StressChaos CRD", () => {
  it("names the kind as Chaos Mesh does", () => {
    expect(stressChaosCrd.metadata.name).toBe("stresschaos.chaos-mesh.org");
    expect(stressChaosCrd.spec.names).toMatchObject({ kind: "StressChaos", listKind: "StressChaosList", plural: "stresschaos", singular: "stresschaos" });
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it("is a structural schema: every node has a type", () => {
    const untyped: string[] = [];
    const walk = (node: OpenApiSchema, path: string): void => {
      if (!node.type) untyped.push(path);
      for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`);
      if (node.items) walk(node.items, `${path}[]`);
      if (node.additionalProperties && typeof node.additionalProperties === "object") walk(node.additionalProperties, `${path}{}`);
    };
    walk(schema, "");
    expect(untyped).toEqual([]);
  });

  it("accepts Chaos Mesh's example manifests", () => {
    expect(validateAgainstSchema(manifest({}), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest({ stressors: { memory: { workers: 1, size: "10GB", oomScoreAdj: -1000 } }, duration: "30s" }), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 1, load: 100 } }, duration: "30s" }), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest({ stressors: undefined, stressngStressors: "--cpu 2 --cpu-load 50 --vm 1 --vm-bytes 64M" }), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 2, load: 50, options: ["--cpu-method sqrt", "--timeout=600"] } }, containerNames: ["app"] }), schema)).toEqual([]);
  });

  it.each(["256MB", "1GiB", "512Mi", "100", "1.5G", "50%", "0%", "100%", "64 MB", "2kb"])("accepts size %j", (size) => {
    expect(validateAgainstSchema(manifest({ stressors: { memory: { workers: 1, size } } }), schema)).toEqual([]);
  });

  it.each(["", "lots", "-1MB", "1000%", "1e9", "5%%", "10 GiBs", "MB"])("rejects size %j", (size) => {
    expect(validateAgainstSchema(manifest({ stressors: { memory: { workers: 1, size } } }), schema)).toEqual([
      expect.stringMatching(/^\.spec\.stressors\.memory\.size: must (match|be at most)/),
    ]);
  });

  it("bounds workers, load and oomScoreAdj", () => {
    expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 0 } } }), schema)).toEqual([".spec.stressors.cpu.workers: must be >= 1"]);
    expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 8193 } } }), schema)).toEqual([".spec.stressors.cpu.workers: must be <= 8192"]);
    expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 1, load: 101 } } }), schema)).toEqual([".spec.stressors.cpu.load: must be <= 100"]);
    expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 1, load: -1 } } }), schema)).toEqual([".spec.stressors.cpu.load: must be >= 0"]);
    expect(validateAgainstSchema(manifest({ stressors: { memory: { workers: 1, oomScoreAdj: 1001 } } }), schema)).toEqual([".spec.stressors.memory.oomScoreAdj: must be <= 1000"]);
    expect(validateAgainstSchema(manifest({ stressors: { memory: { size: "1MB" } } }), schema)).toEqual([".spec.stressors.memory.workers: required"]);
  });

  it.each(["--cpu 1; reboot", "--cpu $(id)", "--cpu 1 | tee", "--temp-path /etc", "--cpu 1 && x", "--cpu '1'", "--cpu\t1"])(
    "rejects stress-ng string %j: only options and plain values",
    (stressngStressors) => {
      expect(validateAgainstSchema(manifest({ stressngStressors }), schema)).toEqual([expect.stringMatching(/^\.spec\.stressngStressors: must match/)]);
      expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 1, options: [stressngStressors] } } }), schema)).toEqual([
        expect.stringMatching(/^\.spec\.stressors\.cpu\.options\[0\]: must match/),
      ]);
    },
  );

  it("bounds options (16 items of 64 characters), which keeps the allowlist rule within the API server's cost budget (enforced: the integration spec)", () => {
    expect(validateAgainstSchema(manifest({ stressors: { cpu: { workers: 1, options: Array(16).fill("--cpu-method sqrt") } } }), schema)).toEqual([]);
    for (const part of ["cpu", "memory"]) expect(stressors.properties![part]!.properties!["options"]).toMatchObject({ maxItems: 16, items: { maxLength: 64 } });
  });

  it("carries the CEL rules the API server enforces", () => {
    expect(spec["x-kubernetes-validations"]!.map((r) => r.message)).toEqual([
      "missing stressors: give stressors.cpu, stressors.memory, or stressngStressors",
      stressNgAllowlistMessage,
      "remote clusters are not supported: Faultline acts on the cluster it runs in",
    ]);
    expect(stressors["x-kubernetes-validations"]!.map((r) => r.rule)).toEqual(["has(self.memory) || has(self.cpu)"]);
    expect(stressors.properties!["memory"]!["x-kubernetes-validations"]!.map((r) => r.fieldPath)).toEqual([".size", ".options"]);
    expect(stressors.properties!["cpu"]!["x-kubernetes-validations"]!.map((r) => r.fieldPath)).toEqual([".options"]);
    expect(stressNgAllowlistMessage).toMatch(/^may hold only these stress-ng options .*: --timeout, .*--cpu, .*--vm-bytes, /);
  });
});
