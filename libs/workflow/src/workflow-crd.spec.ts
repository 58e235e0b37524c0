import { validateAgainstSchema, type OpenApiSchema } from "@faultline/api";
import { workflowCrd, workflowLimits, workflowNodeCrd, workflowSpecSchema, workflowTemplateTypes } from "./workflow-crd.js";
import { standInSchemas, testKinds } from "./workflow-kinds.test-support.js";

const crd = workflowCrd(testKinds, standInSchemas);
const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
const template = schema.properties!["spec"]!.properties!["templates"]!.items!;

const rulesOf = (node: OpenApiSchema) => (node["x-kubernetes-validations"] ?? []).map((r) => r.message ?? r.messageExpression);

describe("the Workflow CRD", () => {
  it("names the kinds as Chaos Mesh does, with a status subresource and the printer columns", () => {
    expect(crd.metadata.name).toBe("workflows.chaos-mesh.org");
    expect(crd.spec.names).toMatchObject({ kind: "Workflow", plural: "workflows", singular: "workflow", categories: ["chaos-mesh"] });
    expect(crd.spec.versions[0]).toMatchObject({ name: "v1alpha1", served: true, storage: true, subresources: { status: {} } });
    expect(crd.spec.versions[0]!.additionalPrinterColumns!.map((c) => c.name)).toEqual(["entry", "active", "accomplished", "age"]);
    const node = workflowNodeCrd(testKinds, standInSchemas);
    expect(node.metadata.name).toBe("workflownodes.chaos-mesh.org");
    expect(node.spec.names).toMatchObject({ kind: "WorkflowNode", plural: "workflownodes", shortNames: ["wfn"] });
  });

  it("has a template field per kind, and accepts every kind's name as templateType (not Task)", () => {
    expect(Object.keys(template.properties!)).toEqual(
      expect.arrayContaining(["name", "templateType", "deadline", "children", "wfAlphaChaos", "wfBetaChaos", "schedule", "statusCheck", "abortWithStatusCheck"]),
    );
    expect(workflowTemplateTypes(testKinds)).toEqual(["Serial", "Parallel", "Suspend", "Schedule", "StatusCheck", "WfAlphaChaos", "WfBetaChaos"]);
    expect(template.properties!["task"]).toBeUndefined();
  });

  it("bounds the lists the CEL rules iterate, and makes names a list-map key (unique)", () => {
    const templates = schema.properties!["spec"]!.properties!["templates"]!;
    expect(templates).toMatchObject({ maxItems: workflowLimits.templates, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });
    expect(template.properties!["children"]!.maxItems).toBe(workflowLimits.children);
    expect(template.properties!["name"]!.maxLength).toBe(63);
  });

  it("carries the rules the API server enforces", () => {
    expect(rulesOf(schema.properties!["spec"]!)).toEqual(["entry must name one of the templates", "children must name existing templates"]);
    expect(rulesOf(template).slice(0, 4)).toEqual([
      "Task templates are not supported yet: use Serial, Parallel, Suspend, Schedule, StatusCheck or a chaos kind",
      "templateType must be one of Serial, Parallel, Suspend, Schedule, StatusCheck, WfAlphaChaos, WfBetaChaos",
      "a Suspend template needs a deadline",
      "children are only for Serial and Parallel templates",
    ]);
    expect(rulesOf(template.properties!["wfAlphaChaos"]!)).toEqual([
      "target must not be forbidden",
      "should not define duration in chaos when using Workflow: use the template's deadline instead",
    ]);
  });

  it("keeps the node's copies of the sub-specs free of CEL rules (the controllers write them from admitted Workflows)", () => {
    const nodeSpec = workflowNodeCrd(testKinds, standInSchemas).spec.versions[0]!.schema.openAPIV3Schema.properties!["spec"]!;
    expect(JSON.stringify(nodeSpec)).not.toContain("x-kubernetes-validations");
    expect(nodeSpec.properties!["wfAlphaChaos"]!.properties!["target"]).toEqual({ type: "string", maxLength: 64 });
  });

  it("is the schema a Schedule of type Workflow embeds", () => {
    expect(workflowSpecSchema(testKinds, standInSchemas)).toEqual(schema.properties!["spec"]);
  });

  it("checks names and deadlines by schema", () => {
    const manifest = (templates: object[]) => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "Workflow", metadata: { name: "w" }, spec: { entry: "a", templates } });
    expect(validateAgainstSchema(manifest([{ name: "a", templateType: "Suspend", deadline: "10s" }]), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest([{ name: "A_b", templateType: "Suspend", deadline: "10 s" }]), schema)).toEqual([
      expect.stringMatching(/^\.spec\.templates\[0\]\.name: must match/),
      expect.stringMatching(/^\.spec\.templates\[0\]\.deadline: must match/),
    ]);
  });
});
