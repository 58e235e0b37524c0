import { validateAgainstSchema } from "../openapi-validation.js";
import { killSwitchCrd, killSwitchMessage, killSwitchStateOf } from "./kill-switch.js";

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
