import { matchesPhaseSelector, parsePhaseSelectors } from "./phase-selector.js";
import { SelectorError } from "./selector-error.js";

describe("parsePhaseSelectors", () => {
  it("splits includes and excludes", () => {
    expect(parsePhaseSelectors(["Running", "!Failed", " Pending ", "! Unknown"])).toEqual({
      include: ["Running", "Pending"],
      exclude: ["Failed", "Unknown"],
    });
    expect(parsePhaseSelectors(undefined)).toEqual({ include: [], exclude: [] });
  });

  it.each(["", "!", "phase=Running", "Running,Pending", "!!Failed"])("rejects %j", (entry) => {
    expect(() => parsePhaseSelectors([entry])).toThrow(SelectorError);
  });
});

describe("matchesPhaseSelector", () => {
  const phases = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
  const passing = (selectors: string[]): string[] =>
    phases.filter((phase) => matchesPhaseSelector(phase, parsePhaseSelectors(selectors)));

  it("passes every phase without selectors", () => {
    expect(passing([])).toEqual(phases);
  });

  it("ORs the includes", () => {
    expect(passing(["Running", "Pending"])).toEqual(["Pending", "Running"]);
  });

  it("ANDs the excludes", () => {
    expect(passing(["!Failed", "!Succeeded"])).toEqual(["Pending", "Running", "Unknown"]);
  });

  it("applies excludes after includes", () => {
    expect(passing(["Running", "Failed", "!Failed"])).toEqual(["Running"]);
  });

  it("treats a pod without a phase as the empty phase", () => {
    expect(matchesPhaseSelector(undefined, parsePhaseSelectors(["Running"]))).toBe(false);
    expect(matchesPhaseSelector(undefined, parsePhaseSelectors(["!Running"]))).toBe(true);
  });
});
