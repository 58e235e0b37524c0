import type { ChaosStatus } from "@faultline/api";
import { Gauge, type Registry } from "prom-client";

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

/**
 * Registers `faultline_manager_experiments{kind,phase}`, computed at each scrape from the objects
 * the manager's watches know.
 */
export function registerExperimentGauge(
  registry: Registry,
  experiments: () => Iterable<{ kind: string; status?: ChaosStatus }>,
): void {
  new Gauge({
    name: "faultline_manager_experiments",
    help: "Chaos experiments the manager knows, by kind and phase",
    labelNames: ["kind", "phase"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const { kind, status } of experiments()) this.inc({ kind, phase: experimentPhaseOf(status) });
    },
  });
}
