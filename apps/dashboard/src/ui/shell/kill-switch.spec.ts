import type { KillSwitch } from "@faultline/api";
import { killSwitchPath, killSwitchRequest, killSwitchView, killSwitchesPath } from "./kill-switch.js";

const ks = (spec: KillSwitch["spec"], status?: KillSwitch["status"], generation = 2): KillSwitch => ({
  apiVersion: "faultline.chaos-mesh.org/v1alpha1",
  kind: "KillSwitch",
  metadata: { name: "cluster", generation },
  spec,
  ...(status ? { status } : {}),
});

describe("killSwitchView", () => {
  it("absent or engaged: false is off, offering to stop", () => {
    expect(killSwitchView(undefined)).toEqual({ engaged: false, text: "Kill switch off: experiments run", action: "Stop all experiments" });
    expect(killSwitchView(ks({ engaged: false })).action).toBe("Stop all experiments");
  });
  it("engaged: who, why and how far the recovery is, offering to resume", () => {
    expect(killSwitchView(ks({ engaged: true, reason: "incident 42", engagedBy: "alice" }))).toEqual({
      engaged: true,
      text: "All experiments stopped by alice (incident 42): waiting for the manager",
      action: "Resume all experiments",
    });
    expect(killSwitchView(ks({ engaged: true }, { observedGeneration: 2, activeRecords: 3, conditions: [{ type: "AllRecovered", status: "False" }] })).text).toBe("All experiments stopped: 3 records still injected");
    expect(killSwitchView(ks({ engaged: true }, { observedGeneration: 2, activeRecords: 0, conditions: [{ type: "AllRecovered", status: "True" }] })).text).toBe("All experiments stopped: every record recovered");
  });
});

describe("killSwitchRequest", () => {
  it("creates killswitch/cluster when there is none", () => {
    expect(killSwitchRequest(undefined, true, " game day ", "alice")).toEqual({
      method: "POST",
      path: killSwitchesPath,
      contentType: "application/json",
      body: { apiVersion: "faultline.chaos-mesh.org/v1alpha1", kind: "KillSwitch", metadata: { name: "cluster" }, spec: { engaged: true, reason: "game day", engagedBy: "alice" } },
    });
    expect(killSwitchesPath).toBe("apis/faultline.chaos-mesh.org/v1alpha1/killswitches");
  });
  it("merge-patches the existing one: engaging replaces reason and engagedBy, disengaging sets only engaged", () => {
    const current = ks({ engaged: false, reason: "old", engagedBy: "bob" });
    expect(killSwitchRequest(current, true, "", undefined)).toEqual({ method: "PATCH", path: killSwitchPath, contentType: "application/merge-patch+json", body: { spec: { engaged: true, reason: null, engagedBy: null } } });
    expect(killSwitchRequest(ks({ engaged: true }), false, "ignored", "alice")).toEqual({ method: "PATCH", path: "apis/faultline.chaos-mesh.org/v1alpha1/killswitches/cluster", contentType: "application/merge-patch+json", body: { spec: { engaged: false } } });
  });
});
