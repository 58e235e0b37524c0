import { isChaosFinished, isWorkflowFinished, type SpawnedObject } from "./chaos-finished.js";

const chaos = (desiredPhase: string | undefined, phases: string[], conditions: { type: string; status: string; reason?: string }[] = []): SpawnedObject => ({
  metadata: { name: "c" },
  spec: { action: "pod-kill" },
  status: { conditions, experiment: { ...(desiredPhase && { desiredPhase }), containerRecords: phases.map((phase) => ({ phase })) } },
});

describe("isChaosFinished", () => {
  const lasting = { oneShot: false };
  test("Stop with every record Not Injected is finished", () => {
    expect(isChaosFinished(chaos("Stop", ["Not Injected", "Not Injected"]), lasting)).toBe(true);
    expect(isChaosFinished(chaos("Stop", []), lasting)).toBe(true);
  });
  test("Run, a record still Injected, or a step of a phase is not", () => {
    expect(isChaosFinished(chaos("Run", ["Not Injected"]), lasting)).toBe(false);
    expect(isChaosFinished(chaos("Stop", ["Injected", "Not Injected"]), lasting)).toBe(false);
    expect(isChaosFinished(chaos("Stop", ["Not Injected/Wait"]), lasting)).toBe(false);
  });
  test("stopped by the kill switch (Paused True, reason KillSwitch) is not finished: it resumes once the switch is off", () => {
    const held = chaos("Stop", ["Not Injected"], [{ type: "Paused", status: "True", reason: "KillSwitch" }]);
    expect(isChaosFinished(held, lasting)).toBe(false);
    expect(isChaosFinished(chaos("Stop", ["Not Injected"], [{ type: "Paused", status: "True", reason: "Paused" }]), lasting)).toBe(true);
    expect(isChaosFinished(chaos("Stop", ["Not Injected"], [{ type: "Paused", status: "False", reason: "KillSwitch" }]), lasting)).toBe(true);
    // a one-shot that has done its one thing is over: the switch does not repeat it
    const killed = chaos("Stop", ["Injected"], [{ type: "AllInjected", status: "True" }, { type: "Paused", status: "True", reason: "KillSwitch" }]);
    expect(isChaosFinished(killed, { oneShot: true })).toBe(true);
  });
  test("no status yet is not finished", () => {
    expect(isChaosFinished({ metadata: { name: "new" } }, lasting)).toBe(false);
    expect(isChaosFinished({ metadata: { name: "new" } }, { oneShot: true })).toBe(false);
  });
  test("a one-shot kind is finished once AllInjected is True, though it stays in Run", () => {
    const injected = chaos("Run", ["Injected"], [{ type: "AllInjected", status: "True" }]);
    expect(isChaosFinished(injected, { oneShot: true })).toBe(true);
    expect(isChaosFinished(injected, lasting)).toBe(false);
    expect(isChaosFinished(chaos("Run", ["Injected"], [{ type: "AllInjected", status: "False" }]), { oneShot: true })).toBe(false);
  });
  test("oneShot may depend on the object (PodChaos: pod-kill is one-shot, pod-failure is not)", () => {
    const oneShot = (obj: { spec?: unknown }) => (obj.spec as { action?: string } | undefined)?.action === "pod-kill";
    const injected = chaos("Run", ["Injected"], [{ type: "AllInjected", status: "True" }]);
    expect(isChaosFinished(injected, { oneShot })).toBe(true);
    expect(isChaosFinished({ ...injected, spec: { action: "pod-failure" } }, { oneShot })).toBe(false);
  });
});

describe("isWorkflowFinished", () => {
  test("Accomplished True", () => {
    expect(isWorkflowFinished({ status: { conditions: [{ type: "Accomplished", status: "True" }] } })).toBe(true);
    expect(isWorkflowFinished({ status: { conditions: [{ type: "Accomplished", status: "False" }] } })).toBe(false);
    expect(isWorkflowFinished({})).toBe(false);
  });
});
