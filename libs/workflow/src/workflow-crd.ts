import { defineResourceCrd, goDurationPattern, stringEnum, toOpenApiSchema, type CelValidationRule, type CustomResourceDefinition, type OpenApiSchema } from "@faultline/api";
import { embeddedChaos, type ChaosKindDefinition } from "@faultline/chaos-kind";
import { conditionalBranchesSchema, taskSchema } from "./task-schema.js";
import { controlTemplateTypes } from "./workflow-names.js";

/**
 * The schemas a Workflow embeds that other libraries define: a Schedule template's `schedule`
 * (the Schedule library's `chaosOnlyScheduleSpecSchema(kinds)`) and a StatusCheck template's
 * `statusCheck` (the StatusCheck library's `statusCheckSpecSchema`).
 */
export interface WorkflowEmbeddedSchemas {
  scheduleSpec: OpenApiSchema;
  statusCheckSpec: OpenApiSchema;
}

/**
 * The bounds that keep the CEL rules within the API server's cost budget: every kind's spec (and
 * its rules) sits inside the list of templates, so each rule's cost is multiplied by `templates`.
 */
export const workflowLimits = {
  /** Templates per Workflow. */
  templates: 64,
  /** Children per Serial or Parallel template. */
  children: 32,
  /**
   * A template's name: a DNS-1123 subdomain, as Chaos Mesh requires, of at most 63 characters
   * (a label's length): the "children name existing templates" rule compares names
   * templates × children × templates times, and at 253 characters it is over the API server's budget.
   */
  nameLength: 63,
} as const;

const dns1123Subdomain = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

const templateName = (description: string): OpenApiSchema => ({
  type: "string",
  description,
  pattern: dns1123Subdomain,
  maxLength: workflowLimits.nameLength,
});

/** A CEL string literal. */
const celString = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

/** Every `x-kubernetes-validations` removed, recursively: for copies the controllers write, already validated. */
export function withoutValidations(schema: OpenApiSchema): OpenApiSchema {
  const { "x-kubernetes-validations": _rules, properties, items, additionalProperties, ...rest } = schema;
  return {
    ...rest,
    ...(properties && { properties: Object.fromEntries(Object.entries(properties).map(([name, child]) => [name, withoutValidations(child)])) }),
    ...(items && { items: withoutValidations(items) }),
    ...(additionalProperties && { additionalProperties: withoutValidations(additionalProperties) }),
  };
}

/** A kind's spec as a Workflow template embeds it: its own rules, and no `duration` of its own. */
function embeddedSpecInTemplate(kind: string, spec: OpenApiSchema): OpenApiSchema {
  const copy = structuredClone(spec);
  copy.description = `The ${kind} to create while the node runs; it is deleted (so recovered) at the template's deadline.`;
  if (copy.properties?.["duration"]) {
    copy["x-kubernetes-validations"] = [
      ...(copy["x-kubernetes-validations"] ?? []),
      {
        rule: "!has(self.duration)",
        message: "should not define duration in chaos when using Workflow: use the template's deadline instead",
        fieldPath: ".duration",
        reason: "FieldValueForbidden",
      },
    ];
  }
  return copy;
}

/** The template types a Workflow accepts: the control types, then every kind in the list's order. */
export function workflowTemplateTypes(kinds: readonly ChaosKindDefinition[]): string[] {
  return [...controlTemplateTypes, ...embeddedChaos(kinds).map((e) => e.kind)];
}

/** The schema of one template, with the CEL rules that tie each type to its own sub-spec. */
function templateSchema(kinds: readonly ChaosKindDefinition[], schemas: WorkflowEmbeddedSchemas): OpenApiSchema {
  const embedded = embeddedChaos(kinds);
  const types = workflowTemplateTypes(kinds);
  const subSpecRule = (field: string, type: string, what: string): CelValidationRule => ({
    rule: `has(self.${field}) == (self.templateType == ${celString(type)})`,
    messageExpression: `has(self.${field}) ? ${celString(`${field} is only for templateType ${type}`)} : ${celString(`missing ${what} ${field} for templateType ${type}`)}`,
    fieldPath: `.${field}`,
  });
  return {
    type: "object",
    description: "One step of the Workflow: its name, its type, and the sub-spec of that type.",
    required: ["name", "templateType"],
    properties: {
      name: templateName("The template's name, unique in the Workflow (a DNS-1123 subdomain)."),
      templateType: {
        type: "string",
        description: `What the template does: ${types.join(", ")}.`,
        maxLength: 64,
      },
      deadline: {
        type: "string",
        description:
          'How long the node may run, as a Go duration ("30s", "5m"). A chaos node\'s chaos is deleted, so recovered, when it passes; a Suspend node ends then; a Serial or Parallel node stops its children then.',
        pattern: goDurationPattern,
        maxLength: 64,
      },
      children: {
        type: "array",
        description: "Serial and Parallel: the templates to run, by name (Serial one after another, Parallel all at once).",
        items: templateName("A template's name."),
        maxItems: workflowLimits.children,
      },
      ...Object.fromEntries(embedded.map(({ kind, field, spec }) => [field, embeddedSpecInTemplate(kind, spec)])),
      schedule: { ...structuredClone(schemas.scheduleSpec), description: "Schedule: the Schedule to create while the node runs; it is deleted at the template's deadline." },
      statusCheck: { ...structuredClone(schemas.statusCheckSpec), description: "StatusCheck: the StatusCheck to run; the node is accomplished when it completes." },
      abortWithStatusCheck: { type: "boolean", description: "StatusCheck: abort the whole Workflow when the check exceeds its failure threshold." },
      task: taskSchema,
      conditionalBranches: conditionalBranchesSchema(templateName("The template to run when the expression is true.")),
    },
    "x-kubernetes-validations": [
      {
        rule: `self.templateType in [${types.map(celString).join(", ")}]`,
        message: `templateType must be one of ${types.join(", ")}`,
        fieldPath: ".templateType",
      },
      { rule: "self.templateType != 'Suspend' || has(self.deadline)", message: "a Suspend template needs a deadline", fieldPath: ".deadline", reason: "FieldValueRequired" },
      {
        rule: "!has(self.children) || self.templateType == 'Serial' || self.templateType == 'Parallel'",
        message: "children are only for Serial and Parallel templates",
        fieldPath: ".children",
        reason: "FieldValueForbidden",
      },
      {
        rule: "!has(self.conditionalBranches) || self.templateType == 'Task'",
        message: "conditionalBranches are only for Task templates",
        fieldPath: ".conditionalBranches",
        reason: "FieldValueForbidden",
      },
      subSpecRule("task", "Task", "task spec"),
      subSpecRule("schedule", "Schedule", "schedule spec"),
      subSpecRule("statusCheck", "StatusCheck", "status check spec"),
      ...embedded.map(({ kind, field }) => subSpecRule(field, kind, "chaos spec")),
    ],
  };
}

/**
 * The schema of a Workflow's `spec` (Chaos Mesh's `WorkflowSpec`): `entry` and `templates`, one
 * sub-spec field per chaos kind of `kinds`, and the CEL rules the API server checks at admission:
 * the entry and every child name an existing template, names are unique, a Suspend has a
 * deadline, each type carries only its own sub-spec, and an embedded chaos sets no `duration`.
 * A Schedule of `type: Workflow` embeds it too.
 *
 * @example
 * const spec = workflowSpecSchema(builtInChaosKinds, { scheduleSpec: chaosOnlyScheduleSpecSchema(kinds), statusCheckSpec: statusCheckSpecSchema });
 */
export function workflowSpecSchema(kinds: readonly ChaosKindDefinition[], schemas: WorkflowEmbeddedSchemas): OpenApiSchema {
  return toOpenApiSchema({
    type: "object",
    description: "The templates of the Workflow and the one it starts with.",
    required: ["entry", "templates"],
    properties: {
      entry: templateName("The template the Workflow starts with."),
      templates: {
        type: "array",
        description: "The templates, each a step of the Workflow.",
        items: templateSchema(kinds, schemas),
        minItems: 1,
        maxItems: workflowLimits.templates,
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      },
    },
    "x-kubernetes-validations": [
      { rule: "self.templates.exists(t, t.name == self.entry)", message: "entry must name one of the templates", fieldPath: ".entry", reason: "FieldValueInvalid" },
      {
        rule: "self.templates.all(t, !has(t.children) || t.children.all(c, self.templates.exists(u, u.name == c)))",
        message: "children must name existing templates",
        fieldPath: ".templates",
        reason: "FieldValueInvalid",
      },
      {
        rule: "self.templates.all(t, !has(t.conditionalBranches) || t.conditionalBranches.all(b, self.templates.exists(u, u.name == b.target)))",
        message: "conditionalBranches targets must name existing templates",
        fieldPath: ".templates",
        reason: "FieldValueInvalid",
      },
    ],
  });
}

const conditionsSchema = (types: readonly string[], extra: { [name: string]: OpenApiSchema } = {}): OpenApiSchema => ({
  type: "array",
  items: {
    type: "object",
    required: ["type", "status"],
    properties: {
      type: toOpenApiSchema(stringEnum(types)),
      status: toOpenApiSchema(stringEnum(["True", "False", "Unknown"] as const)),
      reason: { type: "string" },
      ...extra,
    },
  },
});

const workflowStatusSchema: OpenApiSchema = {
  type: "object",
  description: "What the Workflow has done: its entry node, when it started and ended, and its conditions.",
  properties: {
    entryNode: { type: "string", description: "The name of the WorkflowNode that runs the entry template." },
    startTime: { type: "string", format: "date-time" },
    endTime: { type: "string", format: "date-time" },
    conditions: conditionsSchema(["Scheduled", "Accomplished", "Aborted", "KillSwitch"], { startTime: { type: "string", format: "date-time" } }),
    activeNodes: { type: "array", description: "The nodes running now (leaves: Suspend, chaos, Schedule, StatusCheck), for kubectl get.", items: { type: "string" } },
  },
};

const nodeStatusSchema: OpenApiSchema = {
  type: "object",
  properties: {
    chaosResource: {
      type: "object",
      description: "The chaos object, Schedule or StatusCheck this node created.",
      required: ["kind", "name"],
      properties: { apiGroup: { type: "string" }, kind: { type: "string" }, name: { type: "string" } },
    },
    activeChildren: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
    finishedChildren: { type: "array", items: { type: "object", properties: { name: { type: "string" } } } },
    conditionalBranchesStatus: {
      type: "object",
      description: "Task: each branch's evaluation (Unknown while the pod runs), and the context: the pod's result as JSON, then why any branch is Unknown.",
      properties: {
        branches: {
          type: "array",
          items: { type: "object", required: ["target", "evaluationResult"], properties: { target: { type: "string" }, evaluationResult: toOpenApiSchema(stringEnum(["True", "False", "Unknown"] as const)) } },
        },
        context: { type: "array", items: { type: "string" } },
      },
    },
    conditions: conditionsSchema(["Accomplished", "DeadlineExceed", "ChaosInjected", "Aborted"]),
  },
};


/**
 * The Workflow CRD (`workflows.chaos-mesh.org`): a spec from {@link workflowSpecSchema}, Chaos
 * Mesh's status, a status subresource, and the columns entry, active (the running nodes),
 * accomplished, age.
 */
export function workflowCrd(kinds: readonly ChaosKindDefinition[], schemas: WorkflowEmbeddedSchemas): CustomResourceDefinition {
  return defineResourceCrd({
    kind: "Workflow",
    shortNames: ["wf"],
    description: "Workflow runs chaos experiments in sequence or in parallel, with pauses, schedules and status checks between them.",
    spec: workflowSpecSchema(kinds, schemas),
    status: workflowStatusSchema,
    printerColumns: [
      { name: "entry", type: "string", jsonPath: ".spec.entry" },
      { name: "active", type: "string", jsonPath: ".status.activeNodes", description: "The nodes running now" },
      { name: "accomplished", type: "string", jsonPath: '.status.conditions[?(@.type=="Accomplished")].status' },
      { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}

/**
 * The schema of a WorkflowNode's `spec` (Chaos Mesh's `WorkflowNodeSpec`): the template it runs,
 * its Workflow, type, start and absolute deadline, and a copy of the template's sub-spec. The
 * controllers write nodes from admitted Workflows, so the copies carry no CEL rules.
 */
export function workflowNodeSpecSchema(kinds: readonly ChaosKindDefinition[], schemas: WorkflowEmbeddedSchemas): OpenApiSchema {
  return toOpenApiSchema({
    type: "object",
    required: ["templateName", "workflowName", "type", "startTime"],
    properties: {
      templateName: { type: "string" },
      workflowName: { type: "string" },
      type: { type: "string" },
      startTime: { type: "string", format: "date-time" },
      deadline: { type: "string", format: "date-time", description: "Absolute: the start plus the template's deadline, never later than the parent node's." },
      children: { type: "array", items: { type: "string" } },
      ...Object.fromEntries(embeddedChaos(kinds).map(({ field, spec }) => [field, withoutValidations(spec)])),
      schedule: withoutValidations(schemas.scheduleSpec),
      statusCheck: withoutValidations(schemas.statusCheckSpec),
      abortWithStatusCheck: { type: "boolean" },
      task: withoutValidations(taskSchema),
      conditionalBranches: conditionalBranchesSchema({ type: "string" }),
    },
  });
}

/** The WorkflowNode CRD (`workflownodes.chaos-mesh.org`): one executed template of a Workflow, written by the controllers. */
export function workflowNodeCrd(kinds: readonly ChaosKindDefinition[], schemas: WorkflowEmbeddedSchemas): CustomResourceDefinition {
  return defineResourceCrd({
    kind: "WorkflowNode",
    shortNames: ["wfn"],
    description: "WorkflowNode is one executed template of a Workflow, created and driven by the Workflow controllers.",
    spec: workflowNodeSpecSchema(kinds, schemas),
    status: nodeStatusSchema,
    printerColumns: [
      { name: "workflow", type: "string", jsonPath: ".spec.workflowName" },
      { name: "template", type: "string", jsonPath: ".spec.templateName" },
      { name: "type", type: "string", jsonPath: ".spec.type" },
      { name: "deadline", type: "date", jsonPath: ".spec.deadline" },
      { name: "accomplished", type: "string", jsonPath: '.status.conditions[?(@.type=="Accomplished")].status' },
      { name: "age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ],
  });
}

/** Both CRDs, for the CRD generator. */
export function workflowCrds(kinds: readonly ChaosKindDefinition[], schemas: WorkflowEmbeddedSchemas): CustomResourceDefinition[] {
  return [workflowCrd(kinds, schemas), workflowNodeCrd(kinds, schemas)];
}
