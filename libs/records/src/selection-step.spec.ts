import { SelectorError } from "@faultline/selector";
import { BlastRadiusError } from "./blast-radius.js";
import { selectTargetsOnce } from "./selection-step.js";
import { createStatusBatch } from "./status-batch.js";
import { defaultStatusCompaction } from "./status-compaction.js";
import { fixedSelector, InMemoryChaosObjects, sentEvents, testKind, testObject, testRecord, testResource } from "./testing/in-memory-seams.test-support.js";

function setup(obj = testObject("a")) {
  const objects = new InMemoryChaosObjects();
  const stored = objects.put(testResource, obj);
  const sent = sentEvents();
  const batch = createStatusBatch(objects, testResource, stored, { compaction: defaultStatusCompaction, send: sent.send });
  return { objects, stored, sent, batch };
}

describe("selectTargetsOnce", () => {
  it("stages one Not Injected record per target and selector, with a Selected Event", async () => {
    const { stored, sent, batch, objects } = setup();
    const selector = fixedSelector([{ recordId: "ns/p", selectorKey: "." }, { recordId: "ns/p", selectorKey: "target" }]);
    expect(await selectTargetsOnce({ kind: testKind(), obj: stored, phase: "Run", selector, batch, send: sent.send })).toEqual({ selected: true });
    expect(objects.writes).toEqual([]); // staged: it goes out with the wave's first write
    expect(batch.writer.current.status?.experiment?.containerRecords).toEqual([testRecord("ns/p"), testRecord("ns/p", { selectorKey: "target" })]);
    expect(sent.events.map((e) => e.message)).toEqual(["Selected 2 target(s): ns/p, ns/p"]);
  });

  it("selects once: an object with records, or not running, is not selected again", async () => {
    const selector = fixedSelector([{ recordId: "ns/q", selectorKey: "." }]);
    const withRecords = setup(testObject("a", { status: { experiment: { containerRecords: [] } } }));
    expect(await selectTargetsOnce({ kind: testKind(), obj: withRecords.stored, phase: "Run", selector, batch: withRecords.batch, send: withRecords.sent.send })).toEqual({ selected: false });
    const stopped = setup();
    expect(await selectTargetsOnce({ kind: testKind(), obj: stopped.stored, phase: "Stop", selector, batch: stopped.batch, send: stopped.sent.send })).toEqual({ selected: false });
    expect(selector.calls).toBe(0);
  });

  it("writes Selected=False with NoPodSelected and sends a Warning when nothing is selected", async () => {
    const { stored, sent, batch, objects } = setup();
    const outcome = await selectTargetsOnce({ kind: testKind(), obj: stored, phase: "Run", selector: fixedSelector([]), batch, send: sent.send });
    expect(outcome).toEqual({ selected: false, failureReason: "NoPodSelected" });
    const selected = objects.stored(testResource, "ns", "a")?.status?.conditions?.find((c) => c.type === "Selected");
    expect(selected).toMatchObject({ status: "False", reason: "NoPodSelected", message: "Failed to select targets: no pod is selected" });
    expect(objects.stored(testResource, "ns", "a")?.status?.experiment?.containerRecords).toBeUndefined();
    expect(sent.events.map((e) => [e.type, e.reason, e.message])).toEqual([["Warning", "Failed", "Failed to select targets: no pod is selected"]]);
  });

  it("takes the selector's reason and message from its error", async () => {
    const { stored, sent, batch, objects } = setup();
    const error = new SelectorError("InvalidValue", "spec.value: 150 is not a percentage");
    const outcome = await selectTargetsOnce({ kind: testKind(), obj: stored, phase: "Run", selector: fixedSelector(error), batch, send: sent.send });
    expect(outcome).toEqual({ selected: false, failureReason: "InvalidValue" });
    expect(objects.stored(testResource, "ns", "a")?.status?.conditions?.find((c) => c.type === "Selected")).toMatchObject({ reason: "InvalidValue", message: `Failed to select targets: ${error.message}` });
  });

  it("fails the reconcile when the failure cannot be written", async () => {
    const { stored, sent, batch, objects } = setup();
    objects.failNextWrites.push(new Error("etcd is down"));
    await expect(selectTargetsOnce({ kind: testKind(), obj: stored, phase: "Run", selector: fixedSelector([]), batch, send: sent.send })).rejects.toThrow("etcd is down");
  });

  it("says in one Warning which protected namespaces were left out of a selection that chose targets elsewhere", async () => {
    const { stored, sent, batch } = setup();
    const selector = { ...fixedSelector([{ recordId: "ns/p", selectorKey: "." }]), protectedNamespacesAskedFor: () => ["kube-system"] };
    expect(await selectTargetsOnce({ kind: testKind(), obj: stored, phase: "Run", selector, batch, send: sent.send })).toEqual({ selected: true });
    expect(sent.events.map((e) => [e.type, e.reason, e.message])).toEqual([
      ["Normal", "Selected", "Selected 1 target(s): ns/p"],
      ["Warning", "ProtectedNamespace", "namespace kube-system is protected (the manager's --protected-namespaces): no pod there is targeted"],
    ]);
  });

  it("writes Selected=False with BlastRadiusExceeded for an experiment above the limits", async () => {
    const { stored, sent, batch, objects } = setup();
    const error = new BlastRadiusError("blast radius exceeded: 5 records selected, the manager allows at most 4 per experiment");
    const outcome = await selectTargetsOnce({ kind: testKind(), obj: stored, phase: "Run", selector: fixedSelector(error), batch, send: sent.send });
    expect(outcome).toEqual({ selected: false, failureReason: "BlastRadiusExceeded" });
    expect(objects.stored(testResource, "ns", "a")?.status?.conditions?.find((c) => c.type === "Selected")).toMatchObject({ status: "False", reason: "BlastRadiusExceeded", message: `Failed to select targets: ${error.message}` });
    expect(sent.events.map((e) => [e.type, e.reason])).toEqual([["Warning", "Failed"]]);
  });
});

