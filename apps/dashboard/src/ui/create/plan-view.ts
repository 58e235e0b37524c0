// "Preview targets": the manager's plan (status.plan) shown as `faultline plan` prints it — the
// same rendering, imported from the CLI (@faultline/cli/plan-render: renderPlan for the whole text,
// renderArgv for each command), with the targets also as rows of a table.
import type { ExperimentPlan, PlannedStep } from "@faultline/api";
import { patchLines, renderArgv, renderPlan } from "@faultline/cli/plan-render";

export interface PlanStepView {
  /** "daemon SetTcs: note" / "api: note", as the CLI heads a step. */
  title: string;
  /** Each command, shell-quoted as the CLI prints it. */
  commands: string[];
  /** The API write (method, path, body) as JSON, for api steps. */
  patch?: string;
}

export interface PlanTargetView {
  id: string;
  pod: string;
  container: string;
  node: string;
  capable: boolean;
  reason?: string;
  steps: PlanStepView[];
}

export interface PlanView {
  /** "mode one: one of these 3 pods, picked at random at injection". */
  headline: string;
  counts: string;
  refusals: string[];
  targets: PlanTargetView[];
  truncated?: number;
  /** The whole plan as the CLI prints it. */
  text: string;
}

/** An API write as the CLI shows it (its patchLines, unindented): `POST /api/v1/…` and its body, when the patch says its method and path; else the JSON. */
const patchText = (patch: unknown): string => patchLines(patch, "").join("\n");

function stepView(step: PlannedStep): PlanStepView {
  return {
    title: `${step.on === "daemon" ? "daemon" : "api"}${step.rpc ? ` ${step.rpc}` : ""}${step.note ? `: ${step.note}` : ""}`,
    commands: (step.argv ?? []).map((argv) => renderArgv(argv)),
    ...(step.patch !== undefined ? { patch: patchText(step.patch) } : {}),
  };
}

export function planView(kindAndName: string, plan: ExperimentPlan): PlanView {
  return {
    headline: `mode ${plan.mode}${plan.value !== undefined && plan.value !== "" ? ` (value ${plan.value})` : ""}: ${plan.randomness}`,
    counts: `${plan.candidates} candidate${plan.candidates === 1 ? "" : "s"}, ${plan.picks} picked at injection`,
    refusals: plan.refusals ?? [],
    targets: plan.targets.map((t) => ({
      id: t.id,
      pod: t.pod,
      container: t.container ?? "",
      node: t.node || "(unscheduled)",
      capable: t.capable,
      ...(t.reason ? { reason: t.reason } : {}),
      steps: t.steps.map(stepView),
    })),
    ...(plan.truncatedTargets ? { truncated: plan.truncatedTargets } : {}),
    text: renderPlan(kindAndName, plan),
  };
}
