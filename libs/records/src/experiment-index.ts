import type { Record } from "@faultline/api";
import type { ChaosObject } from "@faultline/impl-registry";
import type { RecordShard } from "./record-shard-crd.js";
import { recordShardExperimentLabel } from "./record-shard-names.js";

/**
 * The cache of one resource as the index reads it: `Informer` of `@faultline/controller` is one
 * (its store, named indexes and handlers, fed by the one watch the manager holds of the resource).
 */
export interface IndexedStore<T> {
  addIndex(name: string, fn: (object: T) => readonly string[]): void;
  byIndex(name: string, value: string): T[];
  addHandler(handler: (event: { type: string; object: T }) => void): void;
}

/** Options of {@link createExperimentIndex}. */
export interface ExperimentIndexOptions {
  /** Each chaos kind's informer, by kind (`NetworkChaos`…). */
  kinds: ReadonlyMap<string, IndexedStore<ChaosObject>>;
  /** The RecordShard informer. */
  shards: IndexedStore<RecordShard>;
}

/** "Every experiment of kind K holding a record on pod ns/name", answered from the caches. */
export interface ExperimentIndex {
  /**
   * The experiments of `kind` with a record on pod `podId` (`ns/name`; a container record
   * `ns/pod/container` counts for its pod), each with EVERY record of it in
   * `status.experiment.containerRecords`, those kept in RecordShards included. As fresh as the
   * watches; the objects are shared: do not change them.
   */
  onPod(kind: string, podId: string): ChaosObject[];
  /** The experiment of `kind` with this uid as the watch last saw it (a sharded one without its records), or undefined. */
  byUid(kind: string, uid: string): ChaosObject | undefined;
}

const byPod = "faultline.records.pod";
const byUid = "faultline.uid";
const byExperiment = "faultline.shard.experiment";

/** The pod (`ns/name`) of a record id: a pod record's id, or a container record's pod. */
export const recordPodId = (id: string): string => id.split("/").slice(0, 2).join("/");

const podsOf = (records: readonly Record[] | undefined): string[] => [...new Set((records ?? []).map((r) => recordPodId(r.id)))];

/**
 * An {@link ExperimentIndex} over the manager's informers: each chaos kind's informer gets an
 * index of its objects by the pods their status records name and by uid; the RecordShard informer
 * one by the pods its records name and by experiment uid. A sharded experiment (its status has
 * `recordShards` and no records) is found through its shards, and handed back with the records of
 * its first `recordShards` shards put back in order; those are assembled once per change of the
 * experiment or of one of its shards, not per question.
 *
 * @example
 * const experiments = createExperimentIndex({ kinds: new Map([["NetworkChaos", informers.informer(networkResource)]]), shards: informers.informer(recordShardResource) });
 * experiments.onPod("NetworkChaos", "default/web-0");
 */
export function createExperimentIndex(options: ExperimentIndexOptions): ExperimentIndex {
  const { shards } = options;
  // a sharded experiment's records, assembled (by uid); dropped when it or a shard of it changes
  const assembled = new Map<string, { object: ChaosObject; view: ChaosObject }>();

  shards.addIndex(byPod, (shard) => podsOf(shard.spec?.records));
  shards.addIndex(byExperiment, (shard) => {
    const uid = shard.metadata?.labels?.[recordShardExperimentLabel];
    return uid ? [uid] : [];
  });
  shards.addHandler((event) => {
    const uid = event.object.metadata?.labels?.[recordShardExperimentLabel];
    if (uid) assembled.delete(uid);
  });
  for (const informer of options.kinds.values()) {
    informer.addIndex(byPod, (obj) => podsOf(obj.status?.experiment?.containerRecords));
    informer.addIndex(byUid, (obj) => (obj.metadata.uid ? [obj.metadata.uid] : []));
    informer.addHandler((event) => {
      if (event.object.metadata.uid) assembled.delete(event.object.metadata.uid);
    });
  }

  /** `obj` with its shards' records put back (the first `recordShards` of them, by index). */
  function withShardRecords(obj: ChaosObject, count: number): ChaosObject {
    const uid = obj.metadata.uid ?? "";
    const cached = assembled.get(uid);
    if (cached?.object === obj) return cached.view;
    const found = shards
      .byIndex(byExperiment, uid)
      .filter((s) => s.spec.index < count)
      .sort((a, b) => a.spec.index - b.spec.index);
    // a shard the watch has not seen yet leaves the view short; its event rebuilds it
    const records = found.flatMap((s) => s.spec.records);
    const view: ChaosObject = { ...obj, status: { ...obj.status, experiment: { ...obj.status?.experiment, containerRecords: records } } };
    assembled.set(uid, { object: obj, view });
    return view;
  }

  const informerOf = (kind: string) => {
    const informer = options.kinds.get(kind);
    if (!informer) throw new Error(`the experiment index has no informer of kind ${kind}`);
    return informer;
  };

  return {
    byUid: (kind, uid) => informerOf(kind).byIndex(byUid, uid)[0],
    onPod(kind, podId) {
      const informer = informerOf(kind);
      const found: ChaosObject[] = informer.byIndex(byPod, podId).filter((obj) => obj.status?.experiment?.recordShards === undefined);
      const seen = new Set<string>();
      for (const shard of shards.byIndex(byPod, podId)) {
        if (shard.spec.experiment.kind !== kind) continue;
        const uid = shard.metadata.labels?.[recordShardExperimentLabel] ?? "";
        if (seen.has(uid)) continue;
        const [obj] = informer.byIndex(byUid, uid);
        const count = obj?.status?.experiment?.recordShards;
        // a shard past the status's count is left from a larger selection: not a record any more
        if (!obj || count === undefined || shard.spec.index >= count) continue;
        seen.add(uid);
        found.push(withShardRecords(obj, count));
      }
      return found;
    },
  };
}
