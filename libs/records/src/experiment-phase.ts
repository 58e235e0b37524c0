import type { ChaosStatus } from "@faultline/api";
import { Gauge, type Registry } from "prom-client";
import { experimentPhaseOf } from "./experiment-phase-of.js";

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
