import { validateAgainstSchema, type OpenApiSchema } from "@faultline/api";
import { taskLimits } from "./task-schema.js";
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

  it("has a template field per kind, and accepts every kind's name as templateType, and Task", () => {
    expect(Object.keys(template.properties!)).toEqual(
      expect.arrayContaining(["name", "templateType", "deadline", "children", "wfAlphaChaos", "wfBetaChaos", "schedule", "statusCheck", "abortWithStatusCheck", "task", "conditionalBranches"]),
    );
    expect(workflowTemplateTypes(testKinds)).toEqual(["Serial", "Parallel", "Suspend", "Schedule", "StatusCheck", "Task", "WfAlphaChaos", "WfBetaChaos"]);
  });

  it("describes a Task: a container (name and image required, other container fields kept), volumes, and bounded branches", () => {
    const task = template.properties!["task"]!;
    expect(task.required).toEqual(["container"]);
    expect(task.properties!["container"]).toMatchObject({ required: ["name", "image"], "x-kubernetes-preserve-unknown-fields": true });
    expect(task.properties!["volumes"]).toMatchObject({ maxItems: taskLimits.volumes, items: { required: ["name"], "x-kubernetes-preserve-unknown-fields": true } });
    const branches = template.properties!["conditionalBranches"]!;
    expect(branches).toMatchObject({ maxItems: taskLimits.branches, items: { required: ["target", "expression"] } });
    expect(branches.items!.properties!["target"]).toMatchObject({ pattern: expect.any(String), maxLength: 63 });
    expect(branches.items!.properties!["expression"]).toMatchObject({ minLength: 1, maxLength: 1024 });
  });

  it("bounds the lists the CEL rules iterate, and makes names a list-map key (unique)", () => {
    const templates = schema.properties!["spec"]!.properties!["templates"]!;
    expect(templates).toMatchObject({ maxItems: workflowLimits.templates, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"] });
    expect(template.properties!["children"]!.maxItems).toBe(workflowLimits.children);
    expect(template.properties!["name"]!.maxLength).toBe(63);
  });

  it("carries the rules the API server enforces", () => {
    expect(rulesOf(schema.properties!["spec"]!)).toEqual([
      "entry must name one of the templates",
      "children must name existing templates",
      "conditionalBranches targets must name existing templates",
    ]);
    expect(rulesOf(template).slice(0, 5)).toEqual([
      "templateType must be one of Serial, Parallel, Suspend, Schedule, StatusCheck, Task, WfAlphaChaos, WfBetaChaos",
      "a Suspend template needs a deadline",
      "children are only for Serial and Parallel templates",
      "conditionalBranches are only for Task templates",
      "has(self.task) ? 'task is only for templateType Task' : 'missing task spec task for templateType Task'",
    ]);
    expect(JSON.stringify(schema)).not.toContain("not supported yet");
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

  it("gives a WorkflowNode the Task's copies and the branches' status", () => {
    const node = workflowNodeCrd(testKinds, standInSchemas).spec.versions[0]!.schema.openAPIV3Schema;
    expect(Object.keys(node.properties!["spec"]!.properties!)).toEqual(expect.arrayContaining(["task", "conditionalBranches"]));
    const branches = node.properties!["status"]!.properties!["conditionalBranchesStatus"]!;
    expect(Object.keys(branches.properties!)).toEqual(["branches", "context"]);
    expect(branches.properties!["branches"]!.items!.properties!["evaluationResult"]!.enum).toEqual(["True", "False", "Unknown"]);
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
    const task = { name: "t", templateType: "Task", task: { container: { name: "c", image: "busybox", command: ["echo", "ok"], ports: [{ containerPort: 80 }] } }, conditionalBranches: [{ target: "a", expression: "exitCode == 0" }] };
    expect(validateAgainstSchema(manifest([task]), schema)).toEqual([]);
    expect(validateAgainstSchema(manifest([{ ...task, task: { container: { name: "c" } }, conditionalBranches: [{ target: "Bad_Target" }] }]), schema)).toEqual([
      ".spec.templates[0].task.container.image: required",
      ".spec.templates[0].conditionalBranches[0].expression: required",
      expect.stringMatching(/^\.spec\.templates\[0\]\.conditionalBranches\[0\]\.target: must match/),
    ]);
  });
});
