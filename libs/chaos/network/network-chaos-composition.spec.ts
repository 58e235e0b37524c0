// Composition of NetworkChaos read from the manager's caches, on in-memory seams: experiments are
// written through the real sharded object client (a lowered shard size, so six records take three
// RecordShards) into an in-memory "API server", whose objects reach the experiment index only when
// the spec delivers them, as a watch would. Two overlapping sharded experiments on the same pods
// must never strip each other's rules, whether the cache has seen the other's last write or not.
import { create } from "@bufbuild/protobuf";
import { NodeCapabilitiesSchema, type Chain, type Record } from "@faultline/api";
import { Informer, objectKeyOf, type InformerObject, type InformerSourceFactory } from "@faultline/controller";
import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import type { ChaosObject } from "@faultline/impl-registry";
import { createExperimentIndex, createShardedChaosObjectClient, recordShardExperimentLabel, type ChaosObjectClient, type RecordShard, type RecordShardClient } from "@faultline/records";
import { createInMemoryPodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import type { NetworkChaos } from "./network-chaos-crd.js";
import { networkChaosAppliedAnnotation, networkChaosManager } from "./network-chaos-manager.js";

const caps = create(NodeCapabilitiesSchema, { nodeName: "node-1", qdiscs: ["htb", "tbf"], classifiers: ["u32"], ipset: true, iptablesBackend: "nf_tables", iptablesExtensions: ["set"] });
const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };

/** The controller's real Informer, fed by hand as a watch would feed it. */
function fedInformer<T extends InformerObject>() {
  let sink!: Parameters<InformerSourceFactory<T>>[0];
  const informer = new Informer<T>((s) => ((sink = s), { start: async () => undefined, stop: async () => undefined, hasSynced: true }));
  return { informer, put: (object: T) => sink.handler({ type: "update", key: objectKeyOf(object), object }) };
}

const pods: V1Pod[] = ["a-0", "a-1", "a-2", "b-0", "b-1", "b-2"].map((name, i) => ({
  metadata: { namespace: "ns", name, uid: `pod-${name}`, resourceVersion: "1" },
  spec: { nodeName: "node-1", containers: [{ name: "app", image: "busybox" }] },
  status: { podIP: `10.0.0.${i + 1}`, podIPs: [{ ip: `10.0.0.${i + 1}` }], containerStatuses: [{ name: "app", containerID: `containerd://${name}`, image: "busybox", imageID: "", ready: true, restartCount: 0 }] },
}));

const partition = (name: string, uid: string, from: string, to: string): NetworkChaos => ({
  apiVersion: "chaos-mesh.org/v1alpha1",
  kind: "NetworkChaos",
  metadata: { namespace: "ns", name, uid, resourceVersion: "1" },
  spec: { action: "partition", mode: "all", selector: { labelSelectors: { app: from } }, direction: "to", target: { mode: "all", selector: { labelSelectors: { app: to } } } } as NetworkChaos["spec"],
  status: { experiment: { desiredPhase: "Run" } } as NetworkChaos["status"],
});

/** Records of a partition over every pod: the `from` pods selected, the others its targets. */
const recordsOf = (from: string): Record[] =>
  pods.map((p) => ({ id: `ns/${p.metadata!.name}`, selectorKey: p.metadata!.name!.startsWith(from) ? "." : ".Target", phase: "Not Injected" }) as Record);

function setup() {
  let rv = 1;
  const server = new Map<string, ChaosObject>(); // what the API server stores
  const serverShards = new Map<string, RecordShard>();
  const experiments = fedInformer<ChaosObject>();
  const shardStore = fedInformer<RecordShard>();
  const index = createExperimentIndex({ kinds: new Map([["NetworkChaos", experiments.informer]]), shards: shardStore.informer });
  /** The watch delivers what the server holds now. */
  const deliver = () => {
    for (const shard of serverShards.values()) shardStore.put(shard);
    for (const obj of server.values()) experiments.put(obj);
  };
  const inner: ChaosObjectClient = {
    get: async (_r, namespace, name) => structuredClone(server.get(`${namespace}/${name}`)),
    replace: async (_r, obj) => obj,
    async replaceStatus(_r, obj) {
      const stored = structuredClone({ ...obj, metadata: { ...obj.metadata, resourceVersion: String(++rv) } });
      server.set(`${obj.metadata.namespace}/${obj.metadata.name}`, stored);
      return structuredClone(stored);
    },
  };
  const writeShard = async (shard: RecordShard) => {
    const stored = structuredClone({ ...shard, metadata: { ...shard.metadata, resourceVersion: String(++rv) } });
    serverShards.set(shard.metadata.name!, stored);
    return stored;
  };
  const shardClient: RecordShardClient = {
    list: async (_ns, uid) => [...serverShards.values()].filter((s) => s.metadata.labels?.[recordShardExperimentLabel] === uid),
    create: writeShard,
    replace: writeShard,
    delete: async (_ns, name) => void serverShards.delete(name),
  };
  const objects = createShardedChaosObjectClient(inner, shardClient, { recordsPerShard: 2 });

  const chains = new Map<string, Chain[]>(); // pod uid → chains its namespace holds
  const daemons = createInMemoryDaemonClientPool({
    getNodeCapabilities: async () => caps,
    flushIPSets: async () => ({}),
    setIptablesChains: async (req) => (chains.set(req.podUid, req.chains), {}),
    setTcs: async () => ({}),
  });
  const annotations = new Map<string, string[]>();
  const impl = networkChaosManager({
    decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons }),
    onPod: async (podId) => index.onPod("NetworkChaos", podId) as NetworkChaos[],
    seenVersion: (uid) => index.byUid("NetworkChaos", uid)?.metadata.resourceVersion,
    readPods: async (ids) => new Map(pods.map((p) => [`ns/${p.metadata!.name}`, p] as const).filter(([id]) => ids.includes(id))),
    annotatePod: async (p, value) => (annotations.set(p.metadata!.name!, JSON.parse(value) as string[]), String(++rv)),
    log: () => undefined,
  });
  const ctx = { signal: new AbortController().signal, namespacedName: "ns/x" };

  /** The pipeline's wave: records written (sharded), then applied or recovered one by one, then their phases written. */
  async function wave(obj: NetworkChaos, records: Record[], action: "apply" | "recover") {
    const written = (await objects.replaceStatus(resource, { ...obj, status: { ...obj.status, experiment: { ...obj.status!.experiment, containerRecords: records } } } as ChaosObject)) as NetworkChaos;
    for (const i of records.keys()) {
      records[i] = { ...records[i]!, phase: action === "apply" ? (await impl.apply(ctx, i, records, written)) : await impl.recover(ctx, i, records, written) } as Record;
    }
    return (await objects.replaceStatus(resource, { ...written, status: { ...written.status, experiment: { ...written.status!.experiment, containerRecords: records } } } as ChaosObject)) as NetworkChaos;
  }
  /** Names of the partition chains of each pod, by pod name. */
  const chainsByPod = () => Object.fromEntries(pods.map((p) => [p.metadata!.name!, (chains.get(p.metadata!.uid!) ?? []).map((c) => c.name).sort()]));
  return { server, serverShards, deliver, wave, chainsByPod, annotations };
}

const chainOf = (chains: string[], name: string) => chains.some((c) => c.includes(name));

describe("NetworkChaos composition from the caches, sharded experiments", () => {
  it("two overlapping sharded experiments on the same pods keep each other's rules (the cache up to date)", async () => {
    const { serverShards, server, deliver, wave, chainsByPod, annotations } = setup();
    const a = partition("aaa", "uid-a", "a", "b");
    const b = partition("bbb", "uid-b", "b", "a");
    const recordsA = recordsOf("a");
    await wave(a, recordsA, "apply");
    deliver();
    // six records over shards of two: the status holds none of them
    expect(server.get("ns/aaa")?.status?.experiment?.containerRecords).toBeUndefined();
    expect(server.get("ns/aaa")?.status?.experiment?.recordShards).toBe(3);
    expect(serverShards.size).toBe(3);

    const recordsB = recordsOf("b");
    const bAfter = await wave(b, recordsB, "apply");
    deliver();
    for (const [pod, names] of Object.entries(chainsByPod())) {
      expect([pod, chainOf(names, "aaa"), chainOf(names, "bbb")]).toEqual([pod, true, true]);
      expect(annotations.get(pod)?.sort()).toEqual(["uid-a", "uid-b"]);
    }

    // B recovered everywhere: A's rules stay on every pod
    await wave(bAfter, recordsB, "recover");
    deliver();
    for (const [pod, names] of Object.entries(chainsByPod())) {
      expect([pod, chainOf(names, "aaa"), chainOf(names, "bbb")]).toEqual([pod, true, false]);
      expect(annotations.get(pod)).toEqual(["uid-a"]);
    }
  });

  it("keeps an experiment's rules whose last write the cache has not seen yet", async () => {
    const { deliver, wave, chainsByPod } = setup();
    const a = partition("aaa", "uid-a", "a", "b");
    const b = partition("bbb", "uid-b", "b", "a");
    // the watch has seen A and B created, before any record of theirs
    await wave(a, [], "apply");
    await wave(b, [], "apply");
    deliver();
    // A's records, its shards and its applies: none of it delivered to the cache yet
    await wave(a, recordsOf("a"), "apply");
    await wave(b, recordsOf("b"), "apply");
    for (const [pod, names] of Object.entries(chainsByPod())) expect([pod, chainOf(names, "aaa"), chainOf(names, "bbb")]).toEqual([pod, true, true]);
  });

  it("lostInjections waits for the cache to see its own annotation write before calling a pod lost", async () => {
    const daemons = createInMemoryDaemonClientPool({ getNodeCapabilities: async () => caps, flushIPSets: async () => ({}), setIptablesChains: async () => ({}), setTcs: async () => ({}) });
    const a = partition("aaa", "uid-a", "a", "b");
    const records = recordsOf("a");
    const waited: string[] = [];
    let recreated = false;
    const annotated = (p: V1Pod, rv: string): V1Pod => ({ ...p, metadata: { ...p.metadata, resourceVersion: rv, annotations: { [networkChaosAppliedAnnotation]: JSON.stringify(recreated ? [] : ["uid-a"]) } } });
    const impl = networkChaosManager({
      decoder: createRecordDecoder({ pods: createInMemoryPodSource({ pods }), daemons }),
      onPod: async () => [],
      // the cache has not seen any annotation: every pod as first listed
      readPods: async (ids) => new Map(pods.map((p) => [`ns/${p.metadata!.name}`, p] as const).filter(([id]) => ids.includes(id))),
      readPodAfterWrite: async (_namespace, name, rv) => (waited.push(`${name}@${rv}`), annotated(pods.find((p) => p.metadata!.name === name)!, rv)),
      annotatePod: async () => "10",
      log: () => undefined,
    });
    const ctx = { signal: new AbortController().signal, namespacedName: "ns/aaa" };
    records[0] = { ...records[0]!, phase: await impl.apply(ctx, 0, records, a) } as Record;
    // a-0's annotation is this manager's own write, which the cache has not seen: waited for, not lost
    expect(await impl.lostInjections!(ctx, records, a)).toEqual([]);
    expect(waited).toEqual(["a-0@10"]);
    // the pod as read after the wait lacks it (someone rewrote it): lost
    recreated = true;
    expect(await impl.lostInjections!(ctx, records, a)).toEqual([0]);
  });
});
