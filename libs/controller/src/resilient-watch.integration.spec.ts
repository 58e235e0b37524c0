// ResilientWatch against the local cluster's real kube-apiserver and etcd. Disconnects and stalls
// are made by a TCP proxy between the watch and the API server; 410 Gone is the API server's own
// answer to a resourceVersion older than its watch cache (after the CRD is recreated).
import { PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject, type V1Pod } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { abortableDelay } from "./abortable-delay.js";
import { clusterTimeoutMs, localClusterKubeConfig, TestResource, until } from "./local-cluster.test-support.js";
import { objectKeyString } from "./object-key.js";
import { ResilientWatch, type ResilientWatchOptions, type WatchEvent } from "./resilient-watch.js";
import { TcpProxy } from "./tcp-proxy.test-support.js";

let kubeConfig: KubeConfig;
let resource: TestResource;
let nsA: string;
let nsB: string;
const watches: ResilientWatch[] = [];

beforeAll(async () => {
  ({ kubeConfig } = await localClusterKubeConfig());
  resource = new TestResource(kubeConfig, "widgets");
  await resource.install();
  nsA = await resource.namespace("a");
  nsB = await resource.namespace("b");
}, clusterTimeoutMs);

afterEach(async () => {
  await Promise.all(watches.splice(0).map((w) => w.stop()));
});

afterAll(async () => {
  await resource?.cleanUp();
}, 120_000);

/** A watch of the test resource that records what it emits, as "type ns/name". */
function recordedWatch(options: Partial<ResilientWatchOptions<KubernetesObject>> = {}): { watch: ResilientWatch; events: string[]; raw: WatchEvent<KubernetesObject>[] } {
  const events: string[] = [];
  const raw: WatchEvent<KubernetesObject>[] = [];
  const watch = new ResilientWatch({
    kubeConfig,
    group: resource.group,
    version: resource.version,
    plural: resource.plural,
    backoff: { baseMs: 50, maxMs: 400 },
    resyncPeriodMs: 0,
    handler: (event) => {
      raw.push(event);
      events.push(`${event.type} ${objectKeyString(event.key)}`);
    },
    ...options,
  });
  watches.push(watch);
  return { watch, events, raw };
}

let counter = 0;
const unique = (prefix: string) => `${prefix}-${++counter}`;

describe("ResilientWatch (real API server)", () => {
  test("lists what exists in every namespace, then emits add, update and delete as keys", async () => {
    const before = unique("before");
    await resource.create(nsA, before);
    const { watch, events, raw } = recordedWatch();
    await watch.start();
    expect(watch.hasSynced).toBe(true);
    expect(events).toContain(`add ${nsA}/${before}`);

    const other = unique("other");
    await resource.create(nsB, other);
    await until(() => events.includes(`add ${nsB}/${other}`));
    await resource.patch(nsB, other, { color: "red" });
    await until(() => events.includes(`update ${nsB}/${other}`));
    expect(watch.get({ namespace: nsB, name: other })).toMatchObject({ data: { color: "red" } });
    await resource.delete(nsB, other);
    await until(() => events.includes(`delete ${nsB}/${other}`));
    expect(watch.get({ namespace: nsB, name: other })).toBeUndefined();
    expect(raw.find((e) => e.type === "add" && e.key.name === other)?.key).toEqual({ namespace: nsB, name: other });
    expect(watch.stats).toMatchObject({ lists: 1, errors: 0 });
  });

  test("reconnects from its resourceVersion when the server ends the watch, missing nothing", async () => {
    const registry = new Registry();
    const { watch, events } = recordedWatch({ watchTimeoutSeconds: 1, registry });
    await watch.start();
    const names = [unique("t"), unique("t"), unique("t")];
    for (const name of names) {
      await resource.create(nsA, name);
      await abortableDelay(1200); // each object lands on a later connection
    }
    await until(() => names.every((name) => events.includes(`add ${nsA}/${name}`)));
    expect(watch.stats.closed).toBeGreaterThanOrEqual(2);
    expect(watch.stats.lists).toBe(1); // reconnects resume; they do not relist
    expect(events.filter((e) => e === `add ${nsA}/${names[0]}`)).toHaveLength(1);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(new RegExp(`watch_restarts_total\\{resource="${resource.plural}\\.${resource.group.replaceAll(".", "\\.")}",reason="closed"\\} [1-9]`));
    expect(metrics).toContain(`watch_events_total{resource="${watch.resource}",type="add"}`);
  }, 20_000);

  test("on a dropped connection, and while the server is unreachable, retries with backoff and catches up", async () => {
    const proxy = new TcpProxy("127.0.0.1", Number(new URL(kubeConfig.getCurrentCluster()!.server).port));
    await proxy.listen();
    try {
      const recoveries: Array<{ failedForMs: number; failures: number }> = [];
      const { watch, events } = recordedWatch({ kubeConfig: proxy.kubeConfig(kubeConfig), onRecovered: (outage) => recoveries.push(outage) });
      await watch.start();
      proxy.refuse(true);
      proxy.cutAll();
      const outageStarted = performance.now();
      const during = unique("during-outage");
      await resource.create(nsA, during);
      await until(() => watch.stats.errors >= 3, 10_000, "several failed attempts");
      expect(events).not.toContain(`add ${nsA}/${during}`);
      expect(recoveries).toEqual([]);
      proxy.refuse(false);
      await until(() => events.includes(`add ${nsA}/${during}`), 10_000, "the object created during the outage");
      // told once, when the API server answered again, with the outage it saw
      expect(recoveries).toHaveLength(1);
      expect(recoveries[0]!.failures).toBeGreaterThanOrEqual(3);
      expect(recoveries[0]!.failedForMs).toBeLessThanOrEqual(performance.now() - outageStarted);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  test("restarts a watch that stalls (connection open, nothing arriving)", async () => {
    const proxy = new TcpProxy("127.0.0.1", Number(new URL(kubeConfig.getCurrentCluster()!.server).port));
    await proxy.listen();
    try {
      const { watch, events } = recordedWatch({ kubeConfig: proxy.kubeConfig(kubeConfig), stallTimeoutMs: 1500 });
      await watch.start();
      const first = unique("before-stall");
      await resource.create(nsA, first);
      await until(() => events.includes(`add ${nsA}/${first}`)); // the watch connection is open
      proxy.freezeAll();
      const during = unique("during-stall");
      await resource.create(nsA, during);
      await abortableDelay(500);
      expect(events).not.toContain(`add ${nsA}/${during}`);
      await until(() => events.includes(`add ${nsA}/${during}`), 10_000, "the object created during the stall");
      expect(watch.stats.stalls).toBeGreaterThanOrEqual(1);
    } finally {
      await proxy.close();
    }
  }, 30_000);

  test("relists on 410 Gone and emits the differences, deletes included", async () => {
    const old = unique("old");
    await resource.create(nsA, old);
    const { watch, events } = recordedWatch();
    await watch.start();
    expect(events).toContain(`add ${nsA}/${old}`);
    const knownVersion = watch.lastResourceVersion;

    // Recreating the CRD gives it a fresh watch cache: the resourceVersion this watch resumes from
    // is older than anything the cache holds, and the API server answers 410 Gone.
    await resource.uninstall();
    await until(() => watch.stats.errors >= 1, 20_000, "watch errors while the resource is not served");
    await resource.install();
    const fresh = unique("fresh");
    await resource.create(nsA, fresh);
    await until(() => events.includes(`add ${nsA}/${fresh}`), 20_000, "the object created after recreation");
    expect(watch.stats.gone).toBeGreaterThanOrEqual(1);
    expect(watch.stats.lists).toBeGreaterThanOrEqual(2);
    expect(events).toContain(`delete ${nsA}/${old}`);
    expect(watch.get({ namespace: nsA, name: old })).toBeUndefined();
    expect(watch.lastResourceVersion).not.toBe(knownVersion);
  }, 60_000);

  test("resync re-emits every known object periodically", async () => {
    const name = unique("resync");
    await resource.create(nsB, name);
    const { watch, events } = recordedWatch({ resyncPeriodMs: 300 });
    await watch.start();
    await until(() => events.filter((e) => e === `resync ${nsB}/${name}`).length >= 2, 5000);
    const known = watch.list().length;
    expect(events.filter((e) => e.startsWith("resync ")).length).toBeGreaterThanOrEqual(known);
  });

  test("a handler that throws does not stop the watch; nothing is emitted after stop()", async () => {
    const seen: string[] = [];
    const watch = new ResilientWatch({
      kubeConfig,
      group: resource.group,
      version: resource.version,
      plural: resource.plural,
      handler: (event) => {
        seen.push(event.key.name);
        throw new Error("handler bug");
      },
    });
    await watch.start();
    const name = unique("after-throw");
    await resource.create(nsA, name);
    await until(() => seen.includes(name));
    await watch.stop();
    const count = seen.length;
    await resource.create(nsA, unique("after-stop"));
    await abortableDelay(300);
    expect(seen).toHaveLength(count);
  });

  test("watches a core resource (group \"\": /api/v1/pods), paged, storing what the transform keeps", async () => {
    // pods as objects in this file's namespace; on a full cluster the scheduler and kubelet may
    // update them too, so only their keys, labels and what the transform drops are checked
    const pod = (name: string, labels: Record<string, string> = {}) => ({
      metadata: { name, namespace: nsA, labels },
      spec: { containers: [{ name: "c", image: "faultline.test/none:0" }], terminationGracePeriodSeconds: 0 },
    });
    const before = [unique("pod"), unique("pod"), unique("pod")];
    for (const name of before) await resource.core.createNamespacedPod({ namespace: nsA, body: pod(name) });
    const events: string[] = [];
    const watch = new ResilientWatch<V1Pod>({
      kubeConfig,
      group: "",
      version: "v1",
      plural: "pods",
      pageSize: 2,
      resyncPeriodMs: 0,
      backoff: { baseMs: 50, maxMs: 400 },
      transform: (sent) => ({ metadata: { ...sent.metadata, managedFields: undefined }, spec: sent.spec }),
      handler: (event) => {
        if (event.key.namespace === nsA) events.push(`${event.type} ${event.key.name}`);
      },
    });
    watches.push(watch);
    expect(watch.resource).toBe("pods");
    await watch.start();
    expect(events.slice(0, 3).sort()).toEqual(before.map((name) => `add ${name}`).sort());
    expect(watch.stats.lists).toBe(1);
    const listed = watch.get({ namespace: nsA, name: before[0]! });
    expect(listed?.metadata?.name).toBe(before[0]);
    expect(listed?.metadata?.resourceVersion).toBeTruthy();
    expect(listed?.metadata?.managedFields).toBeUndefined();
    expect(listed).not.toHaveProperty("status");

    const later = unique("pod");
    await resource.core.createNamespacedPod({ namespace: nsA, body: pod(later, { tier: "web" }) });
    await until(() => events.includes(`add ${later}`));
    const watched = watch.get({ namespace: nsA, name: later });
    expect(watched?.metadata?.labels).toEqual({ tier: "web" });
    expect(watched?.metadata?.managedFields).toBeUndefined();
    expect(watched).not.toHaveProperty("status");
    await resource.core.patchNamespacedPod(
      { namespace: nsA, name: later, body: [{ op: "replace", path: "/metadata/labels/tier", value: "db" }] },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    await until(() => watch.get({ namespace: nsA, name: later })?.metadata?.labels?.tier === "db");
    expect(events).toContain(`update ${later}`);
    await resource.core.deleteNamespacedPod({ namespace: nsA, name: later, gracePeriodSeconds: 0 });
    await until(() => events.includes(`delete ${later}`), 30_000);
    expect(watch.get({ namespace: nsA, name: later })).toBeUndefined();
    expect(watch.stats).toMatchObject({ lists: 1, errors: 0 });
    for (const name of before) await resource.core.deleteNamespacedPod({ namespace: nsA, name, gracePeriodSeconds: 0 });
  });
});
