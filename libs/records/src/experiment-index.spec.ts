// The experiment index on in-memory stores fed by hand, as the manager's informers are by their watches.
import type { Record } from "@faultline/api";
import type { ChaosObject } from "@faultline/impl-registry";
import { createExperimentIndex, recordPodId } from "./experiment-index.js";
import { fedInformer } from "./testing/fed-informer.test-support.js";
import { recordShardName, type RecordShard } from "./record-shard-crd.js";
import { recordShardExperimentLabel } from "./record-shard-names.js";


const record = (id: string, selectorKey = "."): Record => ({ id, selectorKey, phase: "Injected" }) as Record;

const experiment = (kind: string, name: string, uid: string, status: ChaosObject["status"]): ChaosObject =>
  ({ apiVersion: "chaos-mesh.org/v1alpha1", kind, metadata: { namespace: "ns", name, uid, resourceVersion: "1" }, spec: {}, status }) as ChaosObject;

const shard = (kind: string, name: string, uid: string, index: number, records: Record[]): RecordShard => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "RecordShard",
  metadata: { namespace: "ns", name: recordShardName(name, index), labels: { [recordShardExperimentLabel]: uid } },
  spec: { experiment: { kind, name }, index, records },
});

const ids = (obj: ChaosObject | undefined) => (obj?.status?.experiment?.containerRecords ?? []).map((r) => r.id);

describe("createExperimentIndex", () => {
  let network: ReturnType<typeof fedInformer<ChaosObject>>;
  let pods: ReturnType<typeof fedInformer<ChaosObject>>;
  let shards: ReturnType<typeof fedInformer<RecordShard>>;
  let index: ReturnType<typeof createExperimentIndex>;
  beforeEach(() => {
    network = fedInformer();
    pods = fedInformer();
    shards = fedInformer();
    index = createExperimentIndex({ kinds: new Map([["NetworkChaos", network.informer], ["PodChaos", pods.informer]]), shards: shards.informer });
  });

  it("finds experiments of the kind asked holding a record on the pod, from their status", () => {
    network.put(experiment("NetworkChaos", "a", "ua", { experiment: { containerRecords: [record("ns/p0"), record("ns/p1", ".Target")] } }));
    network.put(experiment("NetworkChaos", "b", "ub", { experiment: { containerRecords: [record("ns/p2")] } }));
    pods.put(experiment("PodChaos", "c", "uc", { experiment: { containerRecords: [record("ns/p1/app")] } }));
    expect(index.onPod("NetworkChaos", "ns/p1").map((o) => o.metadata.name)).toEqual(["a"]);
    expect(index.onPod("NetworkChaos", "ns/p9")).toEqual([]);
    // a container record counts for its pod
    expect(index.onPod("PodChaos", "ns/p1").map((o) => o.metadata.name)).toEqual(["c"]);
    expect(() => index.onPod("StressChaos", "ns/p1")).toThrow("the experiment index has no informer of kind StressChaos");
    expect(index.byUid("NetworkChaos", "ub")?.metadata.name).toBe("b");
    expect(index.byUid("NetworkChaos", "uc")).toBeUndefined();
  });

  it("finds a sharded experiment through its shards and hands it back with every record, in shard order", () => {
    const sharded = experiment("NetworkChaos", "big", "ubig", { experiment: { recordShards: 2, recordCounts: { Injected: 4 } } });
    network.put(sharded);
    shards.put(shard("NetworkChaos", "big", "ubig", 1, [record("ns/p2"), record("ns/p3", ".Target")]));
    shards.put(shard("NetworkChaos", "big", "ubig", 0, [record("ns/p0"), record("ns/p1")]));
    // a shard past the status's count: left from a larger selection, not a record any more
    shards.put(shard("NetworkChaos", "big", "ubig", 2, [record("ns/p9")]));
    // another kind's shard on the same pod
    pods.put(experiment("PodChaos", "other", "uother", { experiment: { recordShards: 1 } }));
    shards.put(shard("PodChaos", "other", "uother", 0, [record("ns/p3/app")]));

    const [found, ...more] = index.onPod("NetworkChaos", "ns/p3");
    expect(more).toEqual([]);
    expect(found?.metadata.uid).toBe("ubig");
    expect(ids(found)).toEqual(["ns/p0", "ns/p1", "ns/p2", "ns/p3"]);
    expect(found?.status?.experiment?.containerRecords?.[3]?.selectorKey).toBe(".Target");
    expect(index.onPod("NetworkChaos", "ns/p9")).toEqual([]);
    // assembled once, until the experiment or a shard changes
    expect(index.onPod("NetworkChaos", "ns/p0")[0]).toBe(found);
    shards.put(shard("NetworkChaos", "big", "ubig", 1, [record("ns/p2"), record("ns/p4")]));
    expect(index.onPod("NetworkChaos", "ns/p3")).toEqual([]);
    expect(ids(index.onPod("NetworkChaos", "ns/p4")[0])).toEqual(["ns/p0", "ns/p1", "ns/p2", "ns/p4"]);
  });

  it("lets a deleted experiment and its shards go", () => {
    const small = experiment("NetworkChaos", "a", "ua", { experiment: { containerRecords: [record("ns/p0")] } });
    const sharded = experiment("NetworkChaos", "big", "ubig", { experiment: { recordShards: 1 } });
    network.put(small);
    network.put(sharded);
    const only = shard("NetworkChaos", "big", "ubig", 0, [record("ns/p0")]);
    shards.put(only);
    expect(index.onPod("NetworkChaos", "ns/p0").map((o) => o.metadata.name).sort()).toEqual(["a", "big"]);
    network.remove(sharded);
    network.remove(small);
    expect(index.onPod("NetworkChaos", "ns/p0")).toEqual([]);
    shards.remove(only);
    expect(index.onPod("NetworkChaos", "ns/p0")).toEqual([]);
  });

  it("names a record's pod", () => {
    expect(recordPodId("ns/p")).toBe("ns/p");
    expect(recordPodId("ns/p/c")).toBe("ns/p");
  });
});
