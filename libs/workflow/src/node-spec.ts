import { embeddedChaosField } from "@faultline/chaos-kind";
import { parseGoDuration } from "@faultline/api";
import { childDeadlineMs } from "./node-step.js";
import { controlTemplateTypes } from "./workflow-names.js";
import type { WorkflowNodeSpec, WorkflowTemplate } from "./workflow-types.js";

/** Whether a template type is a chaos kind's (not Serial, Parallel, Suspend, Schedule, StatusCheck or Task). */
export function isChaosTemplateType(type: string): boolean {
  return !(controlTemplateTypes as readonly string[]).includes(type);
}

/**
 * The spec of the node that runs `template`, starting at `startMs`: the template's sub-spec
 * copied, and its deadline made absolute and clamped to the parent's (`parentDeadlineMs`).
 *
 * @example
 * nodeSpecOf({ name: "pause", templateType: "Suspend", deadline: "2s" }, "wf", Date.parse("2030-01-01T00:00:00Z"), undefined)
 * // { templateName: "pause", workflowName: "wf", type: "Suspend", startTime: "2030-01-01T00:00:00.000Z", deadline: "2030-01-01T00:00:02.000Z" }
 */
export function nodeSpecOf(template: WorkflowTemplate, workflowName: string, startMs: number, parentDeadlineMs: number | undefined): WorkflowNodeSpec {
  const deadline = childDeadlineMs(startMs, template.deadline === undefined ? undefined : parseGoDuration(template.deadline), parentDeadlineMs);
  const type = template.templateType;
  const spec: WorkflowNodeSpec = {
    templateName: template.name,
    workflowName,
    type,
    startTime: new Date(startMs).toISOString(),
    ...(deadline !== undefined && { deadline: new Date(deadline).toISOString() }),
  };
  if (type === "Serial" || type === "Parallel") spec.children = [...(template.children ?? [])];
  else if (type === "Schedule") spec.schedule = structuredClone(template.schedule ?? {});
  else if (type === "StatusCheck") {
    spec.statusCheck = structuredClone(template.statusCheck ?? {});
    if (template.abortWithStatusCheck !== undefined) spec.abortWithStatusCheck = template.abortWithStatusCheck;
  } else if (type === "Task") {
    if (template.task) spec.task = structuredClone(template.task);
    spec.conditionalBranches = structuredClone(template.conditionalBranches ?? []);
  } else if (isChaosTemplateType(type)) {
    const field = embeddedChaosField(type);
    spec[field] = structuredClone(template[field] ?? {});
  }
  return spec;
}

/** A node's absolute deadline in epoch milliseconds, or undefined. */
export function nodeDeadlineMs(spec: WorkflowNodeSpec): number | undefined {
  return spec.deadline === undefined ? undefined : Date.parse(spec.deadline);
}
