// An experiment's phase in one word, from its status: a pure function with no metrics import, so
// the dashboard (a browser bundle) computes the very phase the manager's gauge counts
// (`@faultline/records/experiment-phase`).
import type { ChaosStatus } from "@faultline/api";

/** Where an experiment stands, as one word for dashboards. */
export type ExperimentPhase = "Injected" | "Recovered" | "Paused" | "Injecting" | "Recovering" | "Pending";

/**
 * The phase of an experiment from its status: Paused while the Paused condition holds; Injected /
 * Recovered when every record is; Injecting / Recovering on the way there; Pending before the
 * manager has decided anything.
 */
export function experimentPhaseOf(status: ChaosStatus | undefined): ExperimentPhase {
  const holds = (type: string) => status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
  if (holds("Paused")) return "Paused";
  const desired = status?.experiment?.desiredPhase;
  if (desired === "Run") return holds("AllInjected") ? "Injected" : "Injecting";
  if (desired === "Stop") return holds("AllRecovered") ? "Recovered" : "Recovering";
  return "Pending";
}
