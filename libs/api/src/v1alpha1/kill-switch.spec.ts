import { validateAgainstSchema } from "../openapi-validation.js";
import { killSwitchCrd, killSwitchMessage, killSwitchStateOf, killSwitchStatus, type KillSwitch } from "./kill-switch.js";

const ks = (engaged: boolean, status?: KillSwitch["status"]): KillSwitch => ({
  apiVersion: "faultline.chaos-mesh.org/v1alpha1",
  kind: "KillSwitch",
  metadata: { name: "cluster", generation: 3 },
  spec: { engaged, reason: "incident" },
  ...(status && { status }),
});
const t0 = new Date("2026-12-06T18:00:00Z");
const t1 = new Date("2026-12-06T18:00:02Z");

describe("the kill switch", () => {
  it("is engaged only by spec.engaged: true; absent is off", () => {
    expect(killSwitchStateOf(undefined)).toEqual({ engaged: false });
    expect(killSwitchStateOf({ spec: { engaged: false, reason: "over" } })).toEqual({ engaged: false });
    expect(killSwitchStateOf({ spec: { engaged: true, reason: "incident 4711" } })).toEqual({ engaged: true, reason: "incident 4711" });
  });

  it("names itself and the reason in every object's condition message", () => {
    expect(killSwitchMessage({ engaged: true, reason: "incident 4711" })).toBe("the kill switch (killswitch/cluster) is engaged: incident 4711");
    expect(killSwitchMessage({ engaged: true })).toBe("the kill switch (killswitch/cluster) is engaged: no reason given");
    expect(killSwitchMessage({ engaged: true, unknown: "the CRD killswitches.faultline.chaos-mesh.org is not installed" })).toBe(
      "the kill switch's state (killswitch/cluster) is unknown: the CRD killswitches.faultline.chaos-mesh.org is not installed; treated as engaged: recovering every record, starting nothing",
    );
  });

  it("has a cluster-scoped singleton CRD: killswitches.faultline.chaos-mesh.org, short name ks, only the name 'cluster'", () => {
    const crd = killSwitchCrd();
    expect(crd.metadata.name).toBe("killswitches.faultline.chaos-mesh.org");
    expect(crd.spec.scope).toBe("Cluster");
    expect(crd.spec.names).toMatchObject({ kind: "KillSwitch", plural: "killswitches", singular: "killswitch", shortNames: ["ks"] });
    const schema = crd.spec.versions[0]!.schema.openAPIV3Schema;
    expect(schema["x-kubernetes-validations"]).toEqual([expect.objectContaining({ rule: "self.metadata.name == 'cluster'" })]);
    expect(crd.spec.versions[0]!.subresources).toEqual({ status: {} });
  });

  it("requires spec.engaged as a boolean", () => {
    const spec = killSwitchCrd().spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;
    expect(validateAgainstSchema({ engaged: true, reason: "x", engagedBy: "alice" }, spec)).toEqual([]);
    expect(validateAgainstSchema({ reason: "x" }, spec).join("\n")).toMatch(/engaged/);
    expect(validateAgainstSchema({ engaged: "yes" }, spec).join("\n")).toMatch(/engaged/);
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
