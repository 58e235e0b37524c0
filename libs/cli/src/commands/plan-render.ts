// How `faultline plan` prints status.plan for people: the randomness, a table of targets (node,
// capable), then each target's steps with the exact argv or patch.
import type { ExperimentPlan, PlannedStep } from "@faultline/api";
import { renderTable } from "../output.js";

/** A shell-like rendering of one argv (quoted where a word needs it), for reading only. */
export function renderArgv(argv: readonly string[]): string {
  return argv.map((word) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(" ");
}

/** An API write: `PATCH /api/v1/…` and its body, when the patch says its method and path; else the JSON; each line after `indent`. */
export function patchLines(patch: unknown, indent = "         "): string[] {
  const p = patch as { method?: unknown; path?: unknown; body?: unknown; contentType?: unknown };
  if (typeof p === "object" && p !== null && typeof p.method === "string" && typeof p.path === "string") {
    return [`${indent}${p.method} ${p.path}${typeof p.contentType === "string" ? ` (${p.contentType})` : ""}`, ...(p.body === undefined ? [] : [`${indent}${JSON.stringify(p.body)}`])];
  }
  return [`${indent}${JSON.stringify(patch)}`];
}

function stepLines(step: PlannedStep, index: number): string[] {
  const head = `    ${index + 1}. ${step.on === "daemon" ? "daemon" : "api"}${step.rpc ? ` ${step.rpc}` : ""}${step.note ? `: ${step.note}` : ""}`;
  const lines = [head];
  for (const argv of step.argv ?? []) lines.push(`         $ ${renderArgv(argv)}`);
  if (step.patch !== undefined) lines.push(...patchLines(step.patch));
  if (step.request !== undefined && (step.argv ?? []).length === 0) lines.push(`         request ${JSON.stringify(step.request)}`);
  return lines;
}

export function renderPlan(kindAndName: string, plan: ExperimentPlan): string {
  const out: string[] = [];
  out.push(`${kindAndName}: mode ${plan.mode}${plan.value !== undefined && plan.value !== "" ? ` (value ${plan.value})` : ""}: ${plan.randomness}`);
  out.push(`${plan.candidates} candidate${plan.candidates === 1 ? "" : "s"}, ${plan.picks} picked at injection`);
  for (const refusal of plan.refusals ?? []) out.push(`REFUSED: ${refusal}`);
  out.push("");
  if (plan.targets.length > 0) {
    out.push(
      renderTable(
        ["TARGET", "NODE", "CAPABLE"],
        plan.targets.map((t) => [t.id, t.node || "(unscheduled)", t.capable ? "yes" : `no: ${t.reason ?? ""}`]),
      ).trimEnd(),
    );
    if (plan.truncatedTargets) out.push(`… and ${plan.truncatedTargets} more targets (not listed)`);
    out.push("");
    for (const t of plan.targets) {
      out.push(`${t.id} on ${t.node || "(unscheduled)"}:`);
      if (!t.capable) out.push(`    not capable: ${t.reason ?? "(no reason given)"}`);
      t.steps.forEach((step, i) => out.push(...stepLines(step, i)));
    }
  } else {
    out.push("no target matches the selector");
  }
  return out.join("\n") + "\n";
}
