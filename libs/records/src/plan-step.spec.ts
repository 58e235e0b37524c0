// The plan annotation through the composed pipeline, on in-memory seams: status.plan from the real
// target selector's candidates and the kind's `plan`, nothing applied.
import { planAnnotation, type Record } from "@faultline/api";
import { ChaosKindRegistry, kindOf, type ChaosImpl, type ChaosKind, type ManagerKindDefinition } from "@faultline/impl-registry";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { createRecordsReconciler } from "./records-reconciler.js";
import { createTargetSelector } from "./target-selector.js";
import { InMemoryChaosObjects, InMemoryEventRecorder, testCrd, testDeps, testObject, testResource } from "./testing/in-memory-seams.test-support.js";

const request = { kind: "TestChaos", namespace: "ns", name: "a" };
const podOf = (name: string, node: string, labels = { app: "web" }): V1Pod => ({
  metadata: { namespace: "ns", name, uid: `uid-${name}`, labels },
  spec: { nodeName: node, containers: [{ name: "main" }] },
  status: { phase: "Running" },
});
const pods = [podOf("web-0", "node-a"), podOf("web-1", "node-b"), podOf("web-2", "node-a"), podOf("db-0", "node-a", { app: "db" })];

interface Calls {
  apply: string[];
  plan: Array<{ index: number; ids: string[] }>;
}

function kindWith(plan: ChaosImpl["plan"] | undefined, oneShot = false): ChaosKind & { calls: Calls } {
  const calls: Calls = { apply: [], plan: [] };
  const impl: ChaosImpl = {
    async apply(_ctx, index, records) {
      calls.apply.push(records[index]!.id);
      return "Injected";
    },
    async recover() {
      return "Not Injected";
    },
    ...(plan && {
      async plan(ctx, index, records, obj) {
        calls.plan.push({ index, ids: records.map((r: Record) => r.id) });
        return plan(ctx, index, records, obj);
      },
    }),
  };
  const definition: ManagerKindDefinition = { crd: testCrd("TestChaos"), oneShot, selectorKind: "pod", manager: () => impl };
  return { ...kindOf(definition, testDeps()), calls };
}

const describedPlan: ChaosImpl["plan"] = async (_ctx, index, records) => ({
  capable: index !== 1,
  ...(index === 1 && { reason: "node-b: no stress-ng" }),
  steps: [{ on: "api", patch: { target: records[index]!.id } }],
});

function pipeline(kind: ChaosKind, podList = pods, now?: () => number) {
  const objects = new InMemoryChaosObjects();
  const events = new InMemoryEventRecorder();
  const reconciler = createRecordsReconciler({
    kinds: new ChaosKindRegistry().register(kind.definition, testDeps()),
    objects,
    selector: createTargetSelector(createInMemoryPodSource({ pods: podList })),
    events,
    selectRetryMs: 10_000,
    ...(now && { now }),
  });
  return { objects, events, reconciler, stored: () => objects.stored(testResource, "ns", "a")! };
}

const planned = (spec: object = { selector: { labelSelectors: { app: "web" } }, mode: "one" }, generation = 1) =>
  testObject("a", { metadata: { generation, annotations: { [planAnnotation]: "true" } }, spec });

describe("the plan annotation (planStep in the pipeline)", () => {
  it("writes status.plan from every candidate and the kind's plan of each, and applies nothing", async () => {
    const kind = kindWith(describedPlan);
    const { objects, events, reconciler, stored } = pipeline(kind);
    objects.put(testResource, planned());
    expect(await reconciler.reconcile(request)).toEqual({});

    expect(kind.calls.apply).toEqual([]);
    const status = stored().status!;
    expect(status.experiment?.desiredPhase).toBe("Stop");
    expect(status.experiment?.containerRecords).toBeUndefined();
    expect(status.plan).toEqual({
      generatedAt: expect.any(String),
      observedGeneration: 1,
      mode: "one",
      candidates: 3,
      picks: 1,
      randomness: "one of these 3 pods, picked at random at injection",
      targets: [
        { id: "ns/web-0", pod: "ns/web-0", node: "node-a", capable: true, steps: [{ on: "api", patch: { target: "ns/web-0" } }] },
        { id: "ns/web-1", pod: "ns/web-1", node: "node-b", capable: false, reason: "node-b: no stress-ng", steps: [{ on: "api", patch: { target: "ns/web-1" } }] },
        { id: "ns/web-2", pod: "ns/web-2", node: "node-a", capable: true, steps: [{ on: "api", patch: { target: "ns/web-2" } }] },
      ],
    });
    // the kind is handed every candidate as a fresh record, as apply would be
    expect(kind.calls.plan.map((c) => c.index).sort()).toEqual([0, 1, 2]);
    expect(kind.calls.plan[0]!.ids).toEqual(["ns/web-0", "ns/web-1", "ns/web-2"]);
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "Selected", status: "True", reason: "Planned" }),
        expect.objectContaining({ type: "Paused", status: "True", reason: "PlanOnly" }),
      ]),
    );
    expect(events.events.map((e) => e.reason)).toEqual(expect.arrayContaining(["PlanOnly", "Planned"]));
  });

  it("is computed again only when the generation changes", async () => {
    const kind = kindWith(describedPlan);
    const { objects, reconciler, stored } = pipeline(kind);
    objects.put(testResource, planned());
    await reconciler.reconcile(request);
    const first = stored().status!.plan!;
    await reconciler.reconcile(request);
    expect(kind.calls.plan).toHaveLength(3);
    expect(stored().status!.plan).toEqual(first);

    objects.put(testResource, { ...stored(), metadata: { ...stored().metadata, generation: 2 }, spec: { selector: { labelSelectors: { app: "web" } }, mode: "all" } });
    await reconciler.reconcile(request);
    expect(kind.calls.plan).toHaveLength(6);
    expect(stored().status!.plan).toMatchObject({ observedGeneration: 2, mode: "all", picks: 3, randomness: "all 3 pods" });
  });

  it("once the annotation is removed, the plan goes and the object runs normally", async () => {
    const kind = kindWith(describedPlan);
    const { objects, reconciler, stored } = pipeline(kind);
    objects.put(testResource, planned());
    await reconciler.reconcile(request);
    objects.put(testResource, { ...stored(), metadata: { ...stored().metadata, annotations: {} } });
    await reconciler.reconcile(request);
    const status = stored().status!;
    expect(status.plan).toBeUndefined();
    expect(kind.calls.apply).toHaveLength(1);
    expect(status.experiment?.desiredPhase).toBe("Run");
    expect(status.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: "Selected", status: "True", reason: "Selected" }),
        expect.objectContaining({ type: "Paused", status: "False" }),
      ]),
    );
  });

  it("plans a one-shot kind without running it", async () => {
    const kind = kindWith(describedPlan, true);
    const { objects, reconciler, stored } = pipeline(kind);
    objects.put(testResource, planned({ selector: { labelSelectors: { app: "db" } }, mode: "all" }));
    await reconciler.reconcile(request);
    expect(kind.calls.apply).toEqual([]);
    expect(stored().status!.plan).toMatchObject({ candidates: 1, randomness: "the only pod" });
  });

  it("a kind without plan says it does not describe its steps; a plan that throws makes its target incapable", async () => {
    const undescribed = kindWith(undefined);
    const one = pipeline(undescribed);
    one.objects.put(testResource, planned());
    await one.reconciler.reconcile(request);
    expect(one.stored().status!.plan!.targets[0]).toEqual({
      id: "ns/web-0",
      pod: "ns/web-0",
      node: "node-a",
      capable: true,
      steps: [{ on: "daemon", note: "this kind does not describe its steps" }],
    });

    const failing = kindWith(async () => Promise.reject(new Error("daemon on node-a unreachable")));
    const two = pipeline(failing);
    two.objects.put(testResource, planned());
    await two.reconciler.reconcile(request);
    expect(two.stored().status!.plan!.targets[0]).toMatchObject({ capable: false, reason: "planning failed: daemon on node-a unreachable", steps: [] });
  });

  it("a selection that fails: an empty plan naming why, Selected=False with the selector's reason", async () => {
    const kind = kindWith(describedPlan);
    const { objects, events, reconciler, stored } = pipeline(kind);
    objects.put(testResource, planned({ selector: { labelSelectors: { app: "none" } }, mode: "all" }));
    await reconciler.reconcile(request);
    const status = stored().status!;
    expect(status.plan).toMatchObject({ candidates: 0, picks: 0, targets: [], refusals: ["no pod is selected"] });
    expect(status.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Selected", status: "False", reason: "NoPodSelected" })]));
    expect(events.events.find((e) => e.type === "Warning")?.message).toBe("Failed to plan: no pod is selected");
    expect(kind.calls.apply).toEqual([]);
  });

  it("a selection that can heal (no pod yet) is planned again after the retry delay; a spec error is not", async () => {
    let clock = Date.parse("2026-12-06T18:00:00Z");
    const podList: V1Pod[] = [];
    const kind = kindWith(describedPlan);
    const { objects, reconciler, stored } = pipeline(kind, podList, () => clock);
    objects.put(testResource, planned());
    expect(await reconciler.reconcile(request)).toEqual({ requeueAfterMs: 10_000 });
    expect(stored().status!.plan).toMatchObject({ candidates: 0, refusals: ["no pod is selected"] });

    podList.push(podOf("web-0", "node-a"));
    clock += 4_000;
    expect(await reconciler.reconcile(request)).toEqual({ requeueAfterMs: 6_000 }); // not yet
    expect(stored().status!.plan!.candidates).toBe(0);
    clock += 6_000;
    expect(await reconciler.reconcile(request)).toEqual({});
    expect(stored().status!.plan).toMatchObject({ candidates: 1, targets: [{ id: "ns/web-0", node: "node-a" }] });
    expect(stored().status!.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Selected", status: "True", reason: "Planned" })]));

    const bad = pipeline(kindWith(describedPlan), pods, () => clock);
    bad.objects.put(testResource, planned({ selector: {}, mode: "fixed", value: "0" }));
    expect(await bad.reconciler.reconcile(request)).toEqual({});
    expect(bad.stored().status!.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: "Selected", status: "False", reason: "InvalidValue" })]));
  });

  it("lists what the guard rails would say: a blast radius refusal for the records the mode picks (none with the override), the protected namespaces left out", async () => {
    const kind = kindWith(describedPlan);
    const objects = new InMemoryChaosObjects();
    const selector = createTargetSelector(createInMemoryPodSource({ pods }), { protectedNamespaces: ["kube-system"], blastRadius: { maxRecords: 2, maxNamespacePercent: 100 } });
    const reconciler = createRecordsReconciler({ kinds: new ChaosKindRegistry().register(kind.definition, testDeps()), objects, selector, events: new InMemoryEventRecorder() });
    const spec = (mode: string) => ({ selector: { namespaces: ["ns", "kube-system"], labelSelectors: { app: "web" } }, mode });
    objects.put(testResource, planned(spec("all")));
    await reconciler.reconcile(request);
    expect(objects.stored(testResource, "ns", "a")!.status!.plan!.refusals).toEqual([
      "namespace kube-system is protected (the manager's --protected-namespaces): no pod there is targeted",
      'blast radius exceeded: 3 records selected, the manager allows at most 2 per experiment (--max-records, chart guardRails.maxRecords); add the annotation faultline.chaos-mesh.org/blast-radius-override: "true" to run it anyway',
    ]);
    // mode one picks one record: within the limit
    objects.put(testResource, planned(spec("one"), 2));
    await reconciler.reconcile(request);
    expect(objects.stored(testResource, "ns", "a")!.status!.plan!.refusals).toEqual(["namespace kube-system is protected (the manager's --protected-namespaces): no pod there is targeted"]);
  });
});
