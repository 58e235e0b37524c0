import type { Record } from "@faultline/api";
import { applyOutcome, maxFailureEventsPerWave, waveEvents, type WaveOutcome } from "./wave-outcome.js";

const at = "2026-12-02T10:00:00.000Z";
const record = (over: Partial<Record> = {}): Record => ({ id: "ns/p/c", selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0, ...over });
const outcome = (over: Partial<WaveOutcome>): WaveOutcome => ({ id: "ns/p/c", selectorKey: ".", operation: "Apply", reapplied: false, timestamp: at, ...over });

describe("applyOutcome", () => {
  it("an apply that succeeded: Injected, counted, the applying mark removed, a Succeeded event", () => {
    const stored = record({ applying: true });
    applyOutcome(stored, outcome({ phase: "Injected" }));
    expect(stored).toEqual({ ...record({ phase: "Injected", injectedCount: 1 }), events: [{ type: "Succeeded", operation: "Apply", timestamp: at }] });
  });

  it("an apply that failed keeps the mark (it may have injected part of its work) and its phase", () => {
    const stored = record({ applying: true });
    applyOutcome(stored, outcome({ failure: "daemon unreachable" }));
    expect(stored.applying).toBe(true);
    expect(stored.phase).toBe("Not Injected");
    expect(stored.events).toEqual([{ type: "Failed", operation: "Apply", timestamp: at, message: "daemon unreachable" }]);
  });

  it("a step keeps the mark until the last step; a recover, or a gone target, removes it", () => {
    const stepping = record({ applying: true });
    applyOutcome(stepping, outcome({ phase: "Injected/Halfway" }));
    expect(stepping).toMatchObject({ phase: "Injected/Halfway", applying: true, injectedCount: 0 });
    const recovered = record({ applying: true });
    applyOutcome(recovered, outcome({ operation: "Recover", phase: "Not Injected" }));
    expect(recovered).toMatchObject({ phase: "Not Injected", recoveredCount: 1 });
    expect(recovered.applying).toBeUndefined();
    const gone = record({ phase: "Injected" });
    applyOutcome(gone, outcome({ operation: "Recover", phase: "Not Injected", gone: "pod not found" }));
    expect(gone.events?.[0]?.message).toBe("target is gone, counted as recovered: pod not found");
  });
});

describe("waveEvents", () => {
  it("one Event per kind of success, naming the records", () => {
    const events = waveEvents([
      outcome({ id: "a", phase: "Injected" }),
      outcome({ id: "b", phase: "Injected" }),
      outcome({ id: "c", phase: "Injected", reapplied: true }),
    ]);
    expect(events).toEqual([
      { type: "Normal", reason: "Applied", message: "Applied chaos to 2 records: a, b" },
      { type: "Normal", reason: "Applied", message: "Re-applied chaos for c: the injection was gone (the target was recreated)" },
    ]);
  });

  it("a note (the conditions the wave changed) goes on the first Event, before the records", () => {
    const events = waveEvents([outcome({ id: "a", phase: "Injected" }), outcome({ id: "b", failure: "refused" })], "conditions AllInjected=False");
    expect(events.map((e) => e.message)).toEqual(["Applied chaos to 1 record (conditions AllInjected=False): a", "Failed to apply chaos for b: refused"]);
  });

  it("recovered and gone records apart; steps counted", () => {
    const events = waveEvents([
      outcome({ id: "a", operation: "Recover", phase: "Not Injected" }),
      outcome({ id: "b", operation: "Recover", phase: "Not Injected", gone: "pod not found" }),
      outcome({ id: "c", phase: "Injected/Step" }),
    ]);
    expect(events).toEqual([
      { type: "Normal", reason: "Recovered", message: "Recovered chaos for 1 record: a" },
      { type: "Normal", reason: "Recovered", message: "b no longer exists, so nothing is left to recover: counted as recovered (pod not found)" },
      { type: "Normal", reason: "Updated", message: "1 record moved to a next step: c" },
    ]);
  });

  it("a large wave names 20 records and counts the rest; failures get their own Events up to a bound", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `ns/p-${i}/c`);
    const events = waveEvents(ids.map((id, i) => outcome({ id, ...(i < 900 ? { phase: "Injected" } : { failure: `refused ${id}` }) })));
    expect(events[0]).toMatchObject({ reason: "Applied", message: expect.stringMatching(/^Applied chaos to 900 records: ns\/p-0\/c, .*ns\/p-19\/c … and 880 more$/) });
    const failed = events.filter((e) => e.reason === "Failed");
    expect(failed).toHaveLength(maxFailureEventsPerWave + 1);
    expect(failed[0]).toEqual({ type: "Warning", reason: "Failed", message: "Failed to apply chaos for ns/p-900/c: refused ns/p-900/c" });
    expect(failed.at(-1)?.message).toMatch(/^Failed for 90 more records \(see their records' events\): ns\/p-910\/c, /);
    expect(events).toHaveLength(1 + maxFailureEventsPerWave + 1);
  });
});
