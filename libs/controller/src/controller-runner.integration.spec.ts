// ControllerRunner against the real API server: a controller's own objects queue it, an owned
// object's change queues its controlling owner (and only that), and a watch of a resource that two
// controllers need is shared.
import type { KubeConfig } from "@kubernetes/client-node";
import { ControllerRunner } from "./controller-runner.js";
import { clusterTimeoutMs, localClusterKubeConfig, TestResource, until } from "./local-cluster.test-support.js";
import type { ManagedController } from "./managed-controller.js";
import { objectKeyString, type ObjectKey } from "./object-key.js";

let kubeConfig: KubeConfig;
let parents: TestResource;
let children: TestResource;
let ns: string;
let runner: ControllerRunner | undefined;

beforeAll(async () => {
  ({ kubeConfig } = await localClusterKubeConfig());
  parents = new TestResource(kubeConfig, "parents");
  children = new TestResource(kubeConfig, "children");
  await parents.install();
  await children.install();
  ns = await parents.namespace("runner");
}, clusterTimeoutMs);

afterEach(async () => {
  await runner?.stop({ graceMs: 1000 });
  runner = undefined;
});

afterAll(async () => {
  await children?.uninstall();
  await parents?.cleanUp();
}, 120_000);

const asResource = (r: TestResource) => ({ group: r.group, version: r.version, plural: r.plural, kind: r.kind });

function recordingController(name: string, resource: TestResource, owns: TestResource[] = []): ManagedController & { seen: string[] } {
  const seen: string[] = [];
  return {
    name,
    resource: asResource(resource),
    owns: owns.map(asResource),
    seen,
    reconcile: async (key: ObjectKey) => {
      seen.push(objectKeyString(key));
      return {};
    },
  };
}

test("an owned object's change queues its controlling owner; an object owned by another kind or not as controller does not", async () => {
  const parentController = recordingController("parents", parents, [children]);
  const childController = recordingController("children", children);
  runner = new ControllerRunner({ kubeConfig, controllers: [parentController, childController], resyncPeriodMs: 0 });
  await runner.start();
  expect(runner.hasSynced).toBe(true);

  const parent = (await parents.create(ns, "p1")) as { metadata: { uid: string } };
  await until(() => parentController.seen.includes(`${ns}/p1`), 10_000, "the parent's own change queued it");
  const ownerReferences = (controller: boolean, kind = parents.kind) => [
    { apiVersion: `${parents.group}/${parents.version}`, kind, name: "p1", uid: parent.metadata.uid, controller },
  ];
  const create = (name: string, refs: unknown[]) =>
    children.objects.createNamespacedCustomObject({
      group: children.group,
      version: children.version,
      namespace: ns,
      plural: children.plural,
      body: { apiVersion: `${children.group}/${children.version}`, kind: children.kind, metadata: { name, namespace: ns, ownerReferences: refs } },
    });
  parentController.seen.length = 0;
  await create("not-controller", ownerReferences(false));
  await create("other-kind", ownerReferences(true, "Other"));
  await create("owned", ownerReferences(true));
  await until(() => childController.seen.includes(`${ns}/owned`), 10_000, "the child controller saw its objects");
  await until(() => parentController.seen.includes(`${ns}/p1`), 10_000, "the owned child's creation queued the parent");
  // the watch delivers in order: the two other children came before "owned" and queued nothing
  expect(parentController.seen).toEqual([`${ns}/p1`]);
  expect(childController.seen).toEqual(expect.arrayContaining([`${ns}/not-controller`, `${ns}/other-kind`, `${ns}/owned`]));

  parentController.seen.length = 0;
  await children.patch(ns, "owned", { changed: true });
  await until(() => parentController.seen.includes(`${ns}/p1`), 10_000, "the owned child's update queued the parent");
  parentController.seen.length = 0;
  await children.delete(ns, "owned");
  await until(() => parentController.seen.includes(`${ns}/p1`), 10_000, "the owned child's deletion queued the parent");
}, 60_000);

test("a thrown reconcile is retried; requeueAfterMs comes back; stop ends the queues", async () => {
  let calls = 0;
  const controller: ManagedController = {
    name: "flaky",
    resource: asResource(parents),
    reconcile: async (key) => {
      if (key.name !== "flaky") return {};
      calls++;
      if (calls === 1) throw new Error("first attempt fails");
      return calls < 4 ? { requeueAfterMs: 50 } : {};
    },
  };
  runner = new ControllerRunner({ kubeConfig, controllers: [controller], resyncPeriodMs: 0 });
  await runner.start();
  await parents.create(ns, "flaky");
  await until(() => calls >= 4, 10_000, "retried after the error, then requeued twice");
  await runner.stop({ graceMs: 1000 });
  runner = undefined;
  const after = calls;
  await parents.patch(ns, "flaky", { again: true });
  await new Promise((r) => setTimeout(r, 500));
  expect(calls).toBe(after);
}, 60_000);
