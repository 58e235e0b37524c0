import type { KillSwitch } from "@faultline/api";
import { killSwitchPath, killSwitchRecovered } from "./stop.js";

const ks = (generation: number, status: KillSwitch["status"], engaged = true): KillSwitch => ({
  apiVersion: "faultline.chaos-mesh.org/v1alpha1",
  kind: "KillSwitch",
  metadata: { name: "cluster", generation },
  spec: { engaged },
  ...(status ? { status } : {}),
});
const allRecovered = [{ type: "AllRecovered" as const, status: "True" as const }];

describe("stop --all", () => {
  it("addresses the singleton killswitch/cluster", () => {
    expect(killSwitchPath).toBe("/apis/faultline.chaos-mesh.org/v1alpha1/killswitches/cluster");
  });

  it("is done only when the manager saw this generation engaged and reports every record recovered", () => {
    expect(killSwitchRecovered(ks(2, { observedGeneration: 2, activeRecords: 0, conditions: allRecovered }))).toBe(true);
    // an older generation's AllRecovered (before this engage) does not count
    expect(killSwitchRecovered(ks(3, { observedGeneration: 2, activeRecords: 0, conditions: allRecovered }))).toBe(false);
    expect(killSwitchRecovered(ks(2, { observedGeneration: 2, activeRecords: 4, conditions: [{ type: "AllRecovered", status: "False" }] }))).toBe(false);
    expect(killSwitchRecovered(ks(2, undefined))).toBe(false);
    expect(killSwitchRecovered(ks(2, { observedGeneration: 2, activeRecords: 0, conditions: allRecovered }, false))).toBe(false);
  });
});
