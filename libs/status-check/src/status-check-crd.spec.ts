import { validateAgainstSchema } from "@faultline/api";
import { statusCheckCrd, statusCheckSpecSchema, statusCheckStatusSchema } from "./status-check-crd.js";
import { resolveStatusCheckSpec, withProbeRecord } from "./status-check-evaluation.js";

describe("statusCheckCrd", () => {
  const crd = statusCheckCrd();
  const version = crd.spec.versions[0]!;

  it("is chaos-mesh.org/v1alpha1 StatusCheck, namespaced, with a status subresource", () => {
    expect(crd.metadata.name).toBe("statuschecks.chaos-mesh.org");
    expect(crd.spec).toMatchObject({ group: "chaos-mesh.org", scope: "Namespaced", names: { kind: "StatusCheck", plural: "statuschecks", categories: ["chaos-mesh"] } });
    expect(version).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
  });

  it("carries Chaos Mesh's defaults in the spec's schema", () => {
    const p = statusCheckSpecSchema.properties!;
    expect([p["mode"], p["type"], p["timeoutSeconds"], p["intervalSeconds"], p["failureThreshold"], p["successThreshold"], p["recordsHistoryLimit"]].map((s) => s?.default)).toEqual([
      "Synchronous",
      "HTTP",
      1,
      10,
      3,
      1,
      100,
    ]);
    expect(p["http"]?.properties?.["method"]?.default).toBe("GET");
  });

  it("the spec schema is the one the CRD carries (what a Workflow's StatusCheck template embeds)", () => {
    expect(version.schema.openAPIV3Schema.properties!["spec"]).toBe(statusCheckSpecSchema);
  });

  it("a status the controller writes fits the status schema", () => {
    const spec = resolveStatusCheckSpec({});
    const { status } = withProbeRecord(spec, { startTime: "2026-01-01T00:00:00.000Z" }, { startTime: "2026-01-01T00:00:10.000Z", outcome: "Success" }, new Date("2026-01-01T00:00:10.100Z"));
    expect(validateAgainstSchema(status, statusCheckStatusSchema)).toEqual([]);
  });

  it("prints mode, url, count, the latest outcome, the completion reason and age", () => {
    expect(version.additionalPrinterColumns?.map((c) => c.name)).toEqual(["mode", "url", "count", "last", "completed", "age"]);
  });
});
