import { Code, ConnectError } from "@connectrpc/connect";
import type { ChaosStatus } from "@faultline/api";
import { defaultStatusCompaction } from "./status-compaction.js";
import { testKind, testObject, testRecord } from "./testing/in-memory-seams.test-support.js";
import { outcomesMutation, runWave } from "./wave.js";

const ctx = { signal: new AbortController().signal, namespacedName: "ns/a" };
const now = () => Date.parse("2026-01-01T00:00:00Z");
const base = { obj: testObject("a"), reapply: new Set<number>(), parallelism: 8, ctx, now };

/** A kind whose apply takes 5 ms, and the most of its calls that ran at once. */
function kindCountingCallsAtOnce() {
  let running = 0;
  let most = 0;
  const kind = testKind({
    apply: async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      return "Injected";
    },
  });
  return { kind, mostAtOnce: () => most };
}

describe("runWave", () => {
  it("applies each due record through the kind and answers outcomes in the records' order", async () => {
    // the first call ends last: outcomes still follow the records
    const kind = testKind({ apply: async (r) => (r.id === "p" ? new Promise((resolve) => setTimeout(() => resolve("Injected"), 20)) : "Injected") });
    const records = [testRecord("p"), testRecord("q"), testRecord("r")];
    const outcomes = await runWave({ ...base, kind, records, due: [0, 1], phase: "Run" });
    expect(kind.calls).toEqual([{ operation: "apply", id: "p" }, { operation: "apply", id: "q" }]);
    expect(outcomes).toEqual([
      { id: "p", selectorKey: ".", operation: "Apply", reapplied: false, phase: "Injected", timestamp: "2026-01-01T00:00:00.000Z" },
      { id: "q", selectorKey: ".", operation: "Apply", reapplied: false, phase: "Injected", timestamp: "2026-01-01T00:00:00.000Z" },
    ]);
  });

  it("keeps each failure its own, and counts a recover of a target that is gone as recovered", async () => {
    const kind = testKind({
      recover: async (r) => {
        if (r.id === "gone") throw new ConnectError("container not found", Code.NotFound);
        if (r.id === "bad") throw new Error("daemon unreachable");
        return "Not Injected";
      },
    });
    const records = ["gone", "bad", "ok"].map((id) => testRecord(id, { phase: "Injected" }));
    const outcomes = await runWave({ ...base, kind, records, due: [0, 1, 2], phase: "Stop" });
    expect(outcomes.map(({ id, phase, failure, gone }) => ({ id, phase, failure, gone }))).toEqual([
      { id: "gone", phase: "Not Injected", failure: undefined, gone: "[not_found] container not found" },
      { id: "bad", phase: undefined, failure: "daemon unreachable", gone: undefined },
      { id: "ok", phase: "Not Injected", failure: undefined, gone: undefined },
    ]);
  });

  it("applies a re-applied Injected record, and runs at most `parallelism` calls at once", async () => {
    const { kind, mostAtOnce } = kindCountingCallsAtOnce();
    const records = Array.from({ length: 10 }, (_, i) => testRecord(`r${i}`, { phase: "Injected" }));
    const due = records.map((_, i) => i);
    const outcomes = await runWave({ ...base, kind, records, due, reapply: new Set(due), phase: "Run", parallelism: 3 });
    expect(outcomes.every((o) => o.operation === "Apply" && o.reapplied)).toBe(true);
    expect(mostAtOnce()).toBe(3);
  });

  it("runs as many calls at once as the kind's waveParallelism says for the experiment", async () => {
    const { kind, mostAtOnce } = kindCountingCallsAtOnce();
    const asked: string[] = [];
    kind.impl.waveParallelism = (obj) => {
      asked.push(obj.metadata.name!);
      return 10;
    };
    const records = Array.from({ length: 10 }, (_, i) => testRecord(`r${i}`));
    await runWave({ ...base, kind, records, due: records.map((_, i) => i), phase: "Run", parallelism: 3 });
    expect(mostAtOnce()).toBe(10);
    expect(asked).toEqual(["a"]);
  });

  it("hands the kind one frozen view of the records", async () => {
    const kind = testKind({
      apply: async (record) => {
        expect(Object.isFrozen(record)).toBe(true);
        return "Injected";
      },
    });
    await runWave({ ...base, kind, records: [testRecord("p")], due: [0], phase: "Run" });
    expect(kind.calls).toHaveLength(1);
  });
});

describe("outcomesMutation", () => {
  it("writes every outcome into its record, found by selector and id", () => {
    const status: ChaosStatus = { experiment: { containerRecords: [testRecord("p", { applying: true }), testRecord("p", { selectorKey: "target", applying: true })] } };
    const mutation = outcomesMutation(
      [
        { id: "p", selectorKey: "target", operation: "Apply", reapplied: false, phase: "Injected", timestamp: "2026-01-01T00:00:00.000Z" },
        { id: "p", selectorKey: ".", operation: "Apply", reapplied: false, failure: "boom", timestamp: "2026-01-01T00:00:00.000Z" },
      ],
      defaultStatusCompaction,
    );
    mutation(status, testObject("a"));
    const [first, second] = status.experiment!.containerRecords!;
    expect(first).toMatchObject({ phase: "Not Injected", applying: true, events: [{ type: "Failed", operation: "Apply", message: "boom" }] });
    expect(second).toMatchObject({ phase: "Injected", injectedCount: 1, events: [{ type: "Succeeded", operation: "Apply" }] });
    expect(second!.applying).toBeUndefined();
  });
});
