// InformerSet, Informer and ControllerRunner on in-memory events: each informer's source is a fake
// whose handler the spec calls, as a ResilientWatch would.
import { KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { ControllerRunner } from "./controller-runner.js";
import { Informer, type InformerSourceFactory } from "./informer.js";
import { InformerSet, type InformerResource } from "./informer-set.js";
import type { ManagedController } from "./managed-controller.js";
import { objectKeyString, type ObjectKey } from "./object-key.js";
import type { WatchEvent } from "./resilient-watch.js";

interface Pod extends KubernetesObject {
  spec?: { nodeName?: string };
}

/** A source the spec drives: `emit` is what a watch calls; `recover` what its outage's end calls. */
class FakeSource {
  handler!: (event: WatchEvent<Pod>) => void;
  onRecovered!: () => void;
  synced = false;
  starts = 0;
  stops = 0;
  factory: InformerSourceFactory<Pod> = (sink) => {
    this.handler = sink.handler;
    this.onRecovered = sink.onRecovered;
    const self = this;
    return {
      start: async () => {
        this.starts++;
        this.synced = true;
      },
      stop: async () => {
        this.stops++;
      },
      get hasSynced() {
        return self.synced;
      },
    };
  };
  emit(type: WatchEvent<Pod>["type"], object: Pod): void {
    this.handler({ type, key: { namespace: object.metadata?.namespace ?? "", name: object.metadata?.name ?? "" }, object });
  }
}

const pod = (name: string, resourceVersion: string, nodeName?: string): Pod => ({
  metadata: { namespace: "ns", name, resourceVersion },
  ...(nodeName && { spec: { nodeName } }),
});

function fakeSet(sources: Map<string, FakeSource>) {
  return new InformerSet({
    kubeConfig: new KubeConfig(),
    source: <T extends KubernetesObject>(resource: InformerResource) => {
      const source = new FakeSource();
      sources.set(resource.plural, source);
      return source.factory as unknown as InformerSourceFactory<T>;
    },
  });
}

describe("Informer", () => {
  let informer: Informer<Pod>;
  let fake: FakeSource;
  beforeEach(() => {
    fake = new FakeSource();
    informer = new Informer<Pod>(fake.factory);
    informer.addIndex("node", (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  });

  it("stores what the source sends and keeps a named index in step (add, move, delete)", () => {
    fake.emit("add", pod("a", "1", "n1"));
    fake.emit("add", pod("b", "2", "n1"));
    expect(informer.byIndex("node", "n1").map((p) => p.metadata?.name).sort()).toEqual(["a", "b"]);
    fake.emit("update", pod("a", "3", "n2"));
    expect(informer.byIndex("node", "n1").map((p) => p.metadata?.name)).toEqual(["b"]);
    expect(informer.byIndex("node", "n2").map((p) => p.metadata?.resourceVersion)).toEqual(["3"]);
    fake.emit("delete", pod("b", "2", "n1"));
    expect(informer.byIndex("node", "n1")).toEqual([]);
    expect(informer.get({ namespace: "ns", name: "b" })).toBeUndefined();
    expect(informer.get({ namespace: "ns", name: "a" })?.metadata?.resourceVersion).toBe("3");
    expect(informer.list()).toHaveLength(1);
  });

  it("indexes objects already stored when an index is added later, and refuses an unknown index", () => {
    fake.emit("add", pod("a", "1", "n1"));
    informer.addIndex("name", (p) => [p.metadata?.name ?? ""]);
    expect(informer.byIndex("name", "a")).toHaveLength(1);
    expect(() => informer.byIndex("zone", "x")).toThrow('informer has no index named "zone"');
  });

  it("hands every event to every handler, even when one throws (and rethrows for the source to log)", () => {
    const seen: string[] = [];
    informer.addHandler(() => {
      throw new Error("first consumer broke");
    });
    informer.addHandler((e) => seen.push(`${e.type} ${objectKeyString(e.key)}`));
    expect(() => fake.emit("add", pod("a", "1"))).toThrow("first consumer broke");
    expect(seen).toEqual(["add ns/a"]);
    // the store took it before the handlers ran
    expect(informer.get({ namespace: "ns", name: "a" })).toBeDefined();
  });

  it("waitFor resolves once the cache has the written resourceVersion or a later one", async () => {
    fake.emit("add", pod("a", "10"));
    expect(await informer.waitFor({ namespace: "ns", name: "a" }, "9", 10)).toBeDefined();
    const waiting = informer.waitFor({ namespace: "ns", name: "a" }, "12", 5_000);
    fake.emit("update", pod("a", "11"));
    fake.emit("update", pod("a", "13"));
    expect((await waiting)?.metadata?.resourceVersion).toBe("13");
  });

  it("getAtLeast falls back to the read after a bounded wait, and reads at once without a resourceVersion", async () => {
    fake.emit("add", pod("a", "10"));
    const reads: string[] = [];
    const read = async () => {
      reads.push("read");
      return pod("a", "20");
    };
    const started = performance.now();
    expect((await informer.getAtLeast({ namespace: "ns", name: "a" }, "20", read, 50))?.metadata?.resourceVersion).toBe("20");
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(reads).toEqual(["read"]);
    expect((await informer.getAtLeast({ namespace: "ns", name: "a" }, "10", read, 50))?.metadata?.resourceVersion).toBe("10");
    expect(reads).toEqual(["read"]);
    await informer.getAtLeast({ namespace: "ns", name: "a" }, undefined, read);
    expect(reads).toEqual(["read", "read"]);
  });

  it("resolves a waiter with undefined when stopped", async () => {
    const waiting = informer.waitFor({ namespace: "ns", name: "a" }, "5", 60_000);
    await informer.stop();
    expect(await waiting).toBeUndefined();
  });
});

describe("InformerSet", () => {
  it("makes one informer per resource, whoever asks, and starts one made after start at once", async () => {
    const sources = new Map<string, FakeSource>();
    const set = fakeSet(sources);
    const a = set.informer({ group: "", version: "v1", plural: "pods" });
    expect(set.informer({ group: "", version: "v1", plural: "pods" })).toBe(a);
    expect(set.hasSynced).toBe(false);
    await set.start();
    expect(set.hasSynced).toBe(true);
    set.informer({ group: "x.io", version: "v1", plural: "things" });
    await Promise.resolve();
    expect(sources.get("things")!.starts).toBe(1);
    await set.start();
    expect(sources.get("pods")!.starts).toBe(1);
    await set.stop();
    expect([...sources.values()].map((s) => s.stops)).toEqual([1, 1]);
  });
});

describe("ControllerRunner over a shared InformerSet", () => {
  const parents = { group: "x.io", version: "v1", plural: "parents", kind: "Parent" };
  const children = { group: "x.io", version: "v1", plural: "children", kind: "Child" };
  const recording = (name: string, resource: typeof parents, owns: (typeof parents)[] = []): ManagedController & { seen: string[] } => {
    const seen: string[] = [];
    return {
      name,
      resource,
      owns,
      seen,
      reconcile: async (key: ObjectKey) => {
        seen.push(objectKeyString(key));
        return {};
      },
    };
  };
  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
    expect(check()).toBe(true);
  };

  it("registers its queues on the set's informers (no watch of its own) and leaves the set running on stop", async () => {
    const sources = new Map<string, FakeSource>();
    const set = fakeSet(sources);
    // another consumer of the same resource, made before the runner
    const others: string[] = [];
    set.informer({ group: "x.io", version: "v1", plural: "children" }).addHandler((e) => others.push(e.key.name));
    const parent = recording("parents", parents, [children]);
    const child = recording("children", children);
    const runner = new ControllerRunner({ kubeConfig: new KubeConfig(), controllers: [parent, child], informers: set });
    expect([...sources.keys()].sort()).toEqual(["children", "parents"]);
    await runner.start();
    expect(runner.hasSynced).toBe(true);

    sources.get("parents")!.emit("add", { metadata: { namespace: "ns", name: "p1", resourceVersion: "1" } });
    sources.get("children")!.emit("add", {
      metadata: { namespace: "ns", name: "c1", resourceVersion: "2", ownerReferences: [{ apiVersion: "x.io/v1", kind: "Parent", name: "p2", uid: "u", controller: true }] },
    });
    await until(() => parent.seen.includes("ns/p1") && parent.seen.includes("ns/p2") && child.seen.includes("ns/c1"));
    expect(others).toEqual(["c1"]);
    await runner.stop({ graceMs: 100 });
    expect(sources.get("parents")!.stops).toBe(0);
    await set.stop();
  });

  it("makes and stops a set of its own by default", async () => {
    const runner = new ControllerRunner({ kubeConfig: new KubeConfig(), controllers: [] });
    await runner.start();
    expect(runner.hasSynced).toBe(true);
    await runner.stop({ graceMs: 10 });
  });
});
