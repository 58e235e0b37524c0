import type { WorkflowSpec, WorkflowTemplate } from "./workflow-types.js";

/** The templates a template may start: a Serial's or Parallel's children, a Task's branch targets. */
export function nextTemplates(template: WorkflowTemplate): string[] {
  return [...(template.children ?? []), ...(template.conditionalBranches ?? []).map((b) => b.target)];
}

/**
 * What is wrong with a Workflow's templates as a graph, or an empty list: the entry, every child
 * and every branch target must name a template, names must be unique, and no template may contain
 * itself (through its children or a Task's branches, at any depth, from the entry) — the one check
 * the API server's CEL rules cannot make, so the Workflow controller makes it before it creates
 * the entry node.
 *
 * @example
 * templateGraphErrors({ entry: "loop", templates: [{ name: "loop", templateType: "Serial", children: ["loop"] }] });
 * // ["template loop contains itself: loop → loop"]
 */
export function templateGraphErrors(spec: WorkflowSpec): string[] {
  const errors: string[] = [];
  const byName = new Map<string, WorkflowTemplate>();
  for (const template of spec.templates ?? []) {
    if (byName.has(template.name)) errors.push(`template name ${template.name} is used twice`);
    byName.set(template.name, template);
  }
  if (!byName.has(spec.entry)) errors.push(`entry ${spec.entry} names no template`);
  for (const template of spec.templates ?? []) {
    for (const child of template.children ?? []) {
      if (!byName.has(child)) errors.push(`template ${template.name}: child ${child} names no template`);
    }
    for (const { target } of template.conditionalBranches ?? []) {
      if (!byName.has(target)) errors.push(`template ${template.name}: branch target ${target} names no template`);
    }
  }
  // depth-first from the entry: a template met again on the current path is a cycle
  const path: string[] = [];
  const done = new Set<string>();
  const reported = new Set<string>();
  const visit = (name: string): void => {
    const at = path.indexOf(name);
    if (at >= 0) {
      if (!reported.has(name)) {
        reported.add(name);
        errors.push(`template ${name} contains itself: ${[...path.slice(at), name].join(" → ")}`);
      }
      return;
    }
    if (done.has(name)) return;
    const template = byName.get(name);
    if (!template) return;
    path.push(name);
    for (const next of nextTemplates(template)) visit(next);
    path.pop();
    done.add(name);
  };
  visit(spec.entry);
  return errors;
}

/** A template of the spec by name. */
export function findTemplate(spec: WorkflowSpec, name: string): WorkflowTemplate | undefined {
  return spec.templates?.find((t) => t.name === name);
}
