import type { ChaosCondition } from "@faultline/api";
import { sentEvents, testObject } from "./testing/in-memory-seams.test-support.js";
import type { WaveOutcome } from "./wave-outcome.js";
import { reportWave } from "./wave-report.js";

const applied = (id: string): WaveOutcome => ({ id, selectorKey: ".", operation: "Apply", reapplied: false, phase: "Injected", timestamp: "" });
const injected: ChaosCondition[] = [{ type: "AllInjected", status: "True", reason: "AllInjected" }];

describe("reportWave", () => {
  it("sends the wave's summary, the changed conditions riding on its first Event", () => {
    const { send, events } = sentEvents();
    const reported = reportWave(send, testObject("a"), [applied("p"), applied("q")], [], testObject("a", { status: { conditions: injected } }));
    expect(reported).toBe(true);
    expect(events.map((e) => e.message)).toEqual(["Applied chaos to 2 records (conditions AllInjected=True): p, q"]);
  });

  it("answers false when no condition changed, so an Updated Event is not owed either way", () => {
    const { send, events } = sentEvents();
    expect(reportWave(send, testObject("a"), [applied("p")], injected, testObject("a", { status: { conditions: injected } }))).toBe(false);
    expect(events.map((e) => e.message)).toEqual(["Applied chaos to 1 record: p"]);
  });
});
