import { Registry } from "prom-client";
import { registerExperimentGauge } from "./experiment-phase.js";
import { experimentPhaseOf } from "./experiment-phase-of.js";

describe("experimentPhaseOf", () => {
  const cond = (type: string, status = "True") => ({ type: type as "Paused", status: status as "True" });
  it.each([
    [undefined, "Pending"],
    [{ experiment: { desiredPhase: "Run" as const } }, "Injecting"],
    [{ experiment: { desiredPhase: "Run" as const }, conditions: [cond("AllInjected")] }, "Injected"],
    [{ experiment: { desiredPhase: "Stop" as const }, conditions: [cond("AllInjected")] }, "Recovering"],
    [{ experiment: { desiredPhase: "Stop" as const }, conditions: [cond("AllRecovered")] }, "Recovered"],
    [{ experiment: { desiredPhase: "Stop" as const }, conditions: [cond("Paused"), cond("AllRecovered")] }, "Paused"],
    [{ experiment: { desiredPhase: "Run" as const }, conditions: [cond("AllInjected", "False")] }, "Injecting"],
  ])("%j → %s", (status, phase) => {
    expect(experimentPhaseOf(status)).toBe(phase);
  });
});

describe("registerExperimentGauge", () => {
  it("counts the known experiments by kind and phase at each scrape", async () => {
    const registry = new Registry();
    let objects = [
      { kind: "HelloWorldChaos", status: { experiment: { desiredPhase: "Run" as const } } },
      { kind: "HelloWorldChaos", status: { experiment: { desiredPhase: "Run" as const } } },
    ];
    registerExperimentGauge(registry, () => objects);
    expect(await registry.metrics()).toContain('faultline_manager_experiments{kind="HelloWorldChaos",phase="Injecting"} 2');
    objects = [objects[0]!];
    const text = await registry.metrics();
    expect(text).toContain('faultline_manager_experiments{kind="HelloWorldChaos",phase="Injecting"} 1');
  });
});
