import type { KillSwitch } from "@faultline/api";
import type { ChaosKind, ChaosObject } from "@faultline/impl-registry";
import { activeRecordsOf, killSwitchStatus } from "./manager-kill-switch.js";

const kind = (oneShot: boolean) => ({ definition: { oneShot } }) as unknown as ChaosKind;
const record = (phase: string, applying?: boolean) => ({ id: "ns/p", selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0, ...(applying && { applying }) });
const obj = (experiment: object): ChaosObject => ({ apiVersion: "chaos-mesh.org/v1alpha1", kind: "X", metadata: { name: "a", namespace: "ns" }, spec: {}, status: { experiment } }) as ChaosObject;
const ks = (engaged: boolean, status?: KillSwitch["status"]): KillSwitch => ({
  apiVersion: "faultline.chaos-mesh.org/v1alpha1",
  kind: "KillSwitch",
  metadata: { name: "cluster", generation: 3 },
  spec: { engaged, reason: "incident" },
  ...(status && { status }),
});
const t0 = new Date("2026-12-06T18:00:00Z");
const t1 = new Date("2026-12-06T18:00:02Z");

describe("activeRecordsOf", () => {
  it("counts every record not exactly Not Injected, and any marked applying", () => {
    expect(activeRecordsOf(kind(false), obj({ containerRecords: [record("Injected"), record("Not Injected"), record("Not Injected", true), record("Injected/Wait")] }))).toBe(3);
  });

  it("reads the counts per phase of an experiment whose records are in RecordShards", () => {
    expect(activeRecordsOf(kind(false), obj({ recordCounts: { Injected: 1200, "Not Injected": 300 } }))).toBe(1200);
  });

  it("never counts a one-shot's records: a killed pod has nothing to recover", () => {
    expect(activeRecordsOf(kind(true), obj({ containerRecords: [record("Injected")] }))).toBe(0);
  });
});

describe("killSwitchStatus", () => {
  it("while records are still injected: engagedAt, the count, AllRecovered False", () => {
    expect(killSwitchStatus(ks(true), 12, t0)).toEqual({
      observedGeneration: 3,
      engagedAt: t0.toISOString(),
      activeRecords: 12,
      conditions: [{ type: "AllRecovered", status: "False", reason: "Recovering", message: "12 record(s) still injected", lastTransitionTime: t0.toISOString() }],
    });
  });

  it("once none is: recoveredAt, AllRecovered True; engagedAt kept from the status (a restarted manager too)", () => {
    const before = killSwitchStatus(ks(true), 12, t0);
    const after = killSwitchStatus(ks(true, before), 0, t1);
    expect(after).toEqual({
      observedGeneration: 3,
      engagedAt: t0.toISOString(),
      recoveredAt: t1.toISOString(),
      activeRecords: 0,
      conditions: [{ type: "AllRecovered", status: "True", reason: "AllRecovered", message: "every record of every experiment is recovered", lastTransitionTime: t1.toISOString() }],
    });
    expect(killSwitchStatus(ks(true, after), 0, new Date("2026-12-06T19:00:00Z"))).toEqual(after); // settled: nothing to write
  });

  it("off: no engagedAt, recoveredAt or count", () => {
    const engaged = killSwitchStatus(ks(true), 0, t0);
    expect(killSwitchStatus(ks(false, engaged), 0, t1)).toEqual({
      observedGeneration: 3,
      conditions: [{ type: "AllRecovered", status: "False", reason: "Disengaged", message: "the kill switch is off: experiments run", lastTransitionTime: t1.toISOString() }],
    });
  });
});
