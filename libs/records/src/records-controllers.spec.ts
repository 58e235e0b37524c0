import { ChaosKindRegistry } from "@faultline/impl-registry";
import { recordsFinalizer } from "./chaos-annotations.js";
import { createRecordsControllers } from "./records-controllers.js";
import { fixedSelector, InMemoryChaosObjects, InMemoryEventRecorder, testCrd, testDeps, testKind, testObject, testResource } from "./testing/in-memory-seams.test-support.js";

describe("createRecordsControllers", () => {
  const other = testKind({ crd: testCrd("OtherChaos", { group: "example.com", version: "v1" }) });
  const setup = () => {
    const objects = new InMemoryChaosObjects();
    const test = testKind();
    const controllers = createRecordsControllers({
      kinds: new ChaosKindRegistry().register(test.definition, testDeps()).register(other.definition, testDeps()),
      objects,
      selector: fixedSelector([{ recordId: "ns/pod-0", selectorKey: "." }]),
      events: new InMemoryEventRecorder(),
    });
    return { objects, controllers, test };
  };

  it("makes one controller per registered kind, named by its plural, watching its resource", () => {
    const { controllers } = setup();
    expect(controllers.map((c) => [c.name, c.resource])).toEqual([
      ["testchaos", { group: "chaos-mesh.org", version: "v1alpha1", plural: "testchaos", kind: "TestChaos" }],
      ["otherchaos", { group: "example.com", version: "v1", plural: "otherchaos", kind: "OtherChaos" }],
    ]);
    expect(controllers.every((c) => c.owns === undefined)).toBe(true);
  });

  it("reconciles a key through the pipeline as an object of the controller's kind", async () => {
    const { objects, controllers, test } = setup();
    objects.put(testResource, testObject("a", { spec: { duration: "1h" } }));
    const result = await controllers[0]!.reconcile({ namespace: "ns", name: "a" });
    expect(result.requeueAfterMs).toBeGreaterThan(3_500_000);
    expect(objects.stored(testResource, "ns", "a")?.metadata.finalizers).toEqual([recordsFinalizer]);
    expect(test.calls).toEqual([{ operation: "apply", id: "ns/pod-0" }]);
    // the other kind's controller looks in its own resource, where there is no such object
    expect(await controllers[1]!.reconcile({ namespace: "ns", name: "a" })).toEqual({});
  });
});
