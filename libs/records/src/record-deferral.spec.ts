// A kind declining an apply for now (impl-registry's ApplyWaiting / ApplySkipped: PodChaos and a
// PodDisruptionBudget), through the wave, the outcome written, its Events, and what is due after.
import { ApplySkipped, ApplyWaiting, skippedPhase } from "@faultline/impl-registry";
import { computeConditions } from "./chaos-conditions.js";
import { dueRecords, operationFor } from "./due-records.js";
import { nextStepWaits } from "./requeue.js";
import { defaultBackoffPolicy, nextAttemptAtMs } from "./retry-backoff.js";
import { testKind, testObject, testRecord } from "./testing/in-memory-seams.test-support.js";
import { applyOutcome, waveEvents } from "./wave-outcome.js";
import { runWave } from "./wave.js";

const ctx = { signal: new AbortController().signal, namespacedName: "ns/a" };
const t0 = Date.parse("2026-01-01T00:00:00Z");
const base = { obj: testObject("a"), reapply: new Set<number>(), parallelism: 8, ctx, now: () => t0 };

describe("an apply declined by the kind", () => {
  const kind = testKind({
    apply: async (r) => {
      if (r.id === "ns/w") throw new ApplyWaiting("PodDisruptionBudget ns/web allows 0 more disruptions");
      if (r.id === "ns/s") throw new ApplySkipped("PodDisruptionBudget ns/web allows 0 more disruptions");
      return "Injected";
    },
  });

  it("waiting: stays Not Injected, a record event saying what it waits for, a Waiting Event (no Failed one), retried within 10 s", async () => {
    const records = [testRecord("ns/w"), testRecord("ns/ok")];
    const outcomes = await runWave({ ...base, kind, records, due: [0, 1], phase: "Run" });
    expect(outcomes[0]).toMatchObject({ id: "ns/w", waiting: true, failure: "PodDisruptionBudget ns/web allows 0 more disruptions" });
    expect(outcomes[0]!.phase).toBeUndefined();
    expect(waveEvents(outcomes).map((e) => [e.type, e.reason, e.message])).toEqual([
      ["Normal", "Applied", "Applied chaos to 1 record: ns/ok"],
      ["Normal", "Waiting", "Waiting to apply chaos to ns/w: PodDisruptionBudget ns/web allows 0 more disruptions"],
    ]);
    const stored = { ...structuredClone(records[0]!), applying: true as const }; // marked before the wave, as the pipeline does
    // many waits in a row: the backoff alone would be minutes; a waiting record is looked at within 10 s
    for (let i = 0; i < 12; i++) applyOutcome(stored, outcomes[0]!);
    expect(stored.phase).toBe("Not Injected");
    expect(stored.applying).toBeUndefined(); // nothing was injected: nothing to recover for it
    expect(stored.events!.at(-1)).toMatchObject({ type: "Failed", operation: "Apply", message: "waiting: PodDisruptionBudget ns/web allows 0 more disruptions" });
    expect(nextAttemptAtMs(stored, "Apply", defaultBackoffPolicy)).toBe(t0 + 10_000);
    const failedTwelve = { ...stored, events: stored.events!.map((e) => ({ ...e, message: "daemon unreachable" })) };
    expect(nextAttemptAtMs(failedTwelve, "Apply", defaultBackoffPolicy)).toBe(t0 + 300_000);
  });

  it("skipped: phase Not Injected/Skipped, a Skipped Event, never applied again while running, recovered on stop, no immediate requeue", async () => {
    const records = [testRecord("ns/s")];
    const outcomes = await runWave({ ...base, kind, records, due: [0], phase: "Run" });
    expect(outcomes[0]).toMatchObject({ phase: skippedPhase, skipped: "PodDisruptionBudget ns/web allows 0 more disruptions" });
    expect(waveEvents(outcomes).map((e) => [e.type, e.reason, e.message])).toEqual([["Normal", "Skipped", "Skipped ns/s: PodDisruptionBudget ns/web allows 0 more disruptions"]]);
    expect(nextStepWaits(outcomes)).toEqual([]);
    const stored = structuredClone(records[0]!);
    applyOutcome(stored, outcomes[0]!);
    expect(stored).toMatchObject({ phase: skippedPhase, injectedCount: 0 });
    expect(stored.events!.at(-1)).toMatchObject({ type: "Succeeded", operation: "Apply", message: "skipped: PodDisruptionBudget ns/web allows 0 more disruptions" });
    expect(operationFor("Run", stored)).toBeUndefined();
    expect(dueRecords([stored], "Run", defaultBackoffPolicy, t0)).toEqual({ due: [], waits: [] });
    expect(operationFor("Stop", stored)).toBe("Recover");
  });

  it("the AllInjected condition counts the records waiting on, or skipped by, a guard rail apart from the failing ones", () => {
    const at = "2026-01-01T00:00:00Z";
    const records = [
      testRecord("ns/a", { phase: "Injected" }),
      testRecord("ns/w", { events: [{ type: "Failed", operation: "Apply", message: "waiting: PodDisruptionBudget ns/web allows no more disruption", timestamp: at }] }),
      testRecord("ns/s", { phase: skippedPhase, events: [{ type: "Succeeded", operation: "Apply", message: "skipped: PodDisruptionBudget ns/web", timestamp: at }] }),
      testRecord("ns/f", { events: [{ type: "Failed", operation: "Apply", message: "daemon unreachable", timestamp: at }] }),
    ];
    expect(computeConditions(records, false).find((c) => c.type === "AllInjected")?.message).toBe(
      "1 of 4 record(s) injected, 1 waiting on a guard rail, 1 skipped by a guard rail, 1 failing (see the records' events)",
    );
  });
});
