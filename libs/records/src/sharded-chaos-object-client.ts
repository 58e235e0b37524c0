import { createHash } from "node:crypto";
import { chaosApiVersion, controllerReference, isObjectNotFound, type ChaosStatus, type Record } from "@faultline/api";
import type { CustomObjectsApi } from "@kubernetes/client-node";
import { oneShotOf, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { ConflictError, type ChaosObjectClient, type ChaosResource } from "./chaos-object-client.js";
import { recordsFinalizer } from "./chaos-annotations.js";
import { defaultRecordsPerShard, recordShardName, type RecordShard } from "./record-shard-crd.js";
import { recordShardExperimentLabel, recordShardKind, recordShardResource } from "./record-shard-names.js";


/** The RecordShard calls the sharded client makes. */
export interface RecordShardClient {
  /** Every shard of the experiment with this uid. */
  list(namespace: string, experimentUid: string): Promise<RecordShard[]>;
  create(shard: RecordShard): Promise<RecordShard>;
  /** Writes with the shard's resourceVersion; throws {@link ConflictError} when someone wrote first. */
  replace(shard: RecordShard): Promise<RecordShard>;
  /** Deletes it; a shard already gone is fine. */
  delete(namespace: string, name: string): Promise<void>;
}

const codeOf = (error: unknown) => (error as { code?: unknown } | undefined)?.code;

/** A {@link RecordShardClient} over the API server's custom objects API. */
export function createKubernetesRecordShardClient(api: CustomObjectsApi): RecordShardClient {
  const r = recordShardResource;
  return {
    async list(namespace, uid) {
      const list = (await api.listNamespacedCustomObject({ ...r, namespace, labelSelector: `${recordShardExperimentLabel}=${uid}` })) as { items: RecordShard[] };
      return list.items;
    },
    async create(shard) {
      return (await api.createNamespacedCustomObject({ ...r, namespace: shard.metadata.namespace ?? "", body: shard })) as RecordShard;
    },
    async replace(shard) {
      try {
        const { namespace = "", name = "" } = shard.metadata;
        return (await api.replaceNamespacedCustomObject({ ...r, namespace, name, body: shard })) as RecordShard;
      } catch (error) {
        if (codeOf(error) === 409) throw new ConflictError(`conflict writing RecordShard ${shard.metadata.namespace}/${shard.metadata.name}`, { cause: error });
        throw error;
      }
    },
    async delete(namespace, name) {
      try {
        await api.deleteNamespacedCustomObject({ ...r, namespace, name });
      } catch (error) {
        if (!isObjectNotFound(error, name)) throw error;
      }
    },
  };
}

/** Options of {@link createShardedChaosObjectClient}. */
export interface ShardedChaosObjectClientOptions {
  /** Records the status holds itself; an experiment with more keeps them in RecordShards of this many each. Default 1000. */
  recordsPerShard?: number;
  /** Shard writes at once; default 4. */
  parallelism?: number;
}

const hashOf = (records: readonly Record[]) => createHash("sha1").update(JSON.stringify(records)).digest("base64");

/** How many records are in each phase. */
export function recordCounts(records: readonly Record[]): { [phase: string]: number } {
  const counts: { [phase: string]: number } = {};
  for (const r of records) counts[r.phase] = (counts[r.phase] ?? 0) + 1;
  return counts;
}

/**
 * Records of an object that may still hold an injection: every phase but `Not Injected`, and any
 * record marked `applying`. A one-shot's records are never counted (a killed pod has nothing to
 * recover, and the switch does not repeat it). Counts per phase when the records are in RecordShards.
 */
export function activeRecordsOf(kind: ChaosKind, obj: ChaosObject): number {
  if (oneShotOf(kind, obj)) return 0;
  const experiment = (obj.status as ChaosStatus | undefined)?.experiment;
  const records = experiment?.containerRecords;
  if (records) return records.filter((r) => r.phase !== "Not Injected" || r.applying).length;
  let active = 0;
  for (const [phase, count] of Object.entries(experiment?.recordCounts ?? {})) if (phase !== "Not Injected") active += count;
  return active;
}

/**
 * Bounded status at any size: a {@link ChaosObjectClient} that keeps an experiment's records in
 * RecordShard objects (owned by the experiment, `recordsPerShard` records each) once it has more
 * than `recordsPerShard` of them. The pipeline above it sees one object whose
 * `status.experiment.containerRecords` holds every record, as for a small experiment; what is
 * stored is the status without them, with `recordShards` (how many shards) and `recordCounts`
 * (records per phase) for `kubectl get`, and the shards.
 *
 * Writes go shards first (only those whose records changed), then the status: the shards are the
 * records' truth, and the status's counts and conditions are derived from them, so a manager that
 * stops between the two leaves nothing behind that the next reconcile does not read. Reads list the
 * experiment's shards by its uid and refuse (an error to retry) when any is missing. When the
 * finalizer is removed from a deleted experiment, its shards are deleted first (the garbage
 * collector would too, through their owner reference).
 */
export function createShardedChaosObjectClient(inner: ChaosObjectClient, shards: RecordShardClient, options: ShardedChaosObjectClientOptions = {}): ChaosObjectClient {
  const perShard = options.recordsPerShard ?? defaultRecordsPerShard;
  const parallelism = options.parallelism ?? 4;
  // per experiment uid: each shard's resourceVersion and a hash of its records, as last read or written
  const known = new Map<string, Map<number, { resourceVersion: string; hash: string }>>();

  const isSharded = (obj: ChaosObject) => {
    const experiment = obj.status?.experiment;
    return experiment?.recordShards !== undefined || (experiment?.containerRecords?.length ?? 0) > perShard;
  };

  async function readShards(obj: ChaosObject, count: number): Promise<Record[]> {
    const uid = obj.metadata.uid ?? "";
    const found = (await shards.list(obj.metadata.namespace ?? "", uid)).sort((a, b) => a.spec.index - b.spec.index);
    const byIndex = new Map(found.map((s) => [s.spec.index, s]));
    const missing = [...Array(count).keys()].filter((i) => !byIndex.has(i));
    if (missing.length > 0) {
      throw new Error(`${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: its status names ${count} record shards, shard(s) ${missing.join(", ")} not found`);
    }
    const seen = new Map<number, { resourceVersion: string; hash: string }>();
    const records: Record[] = [];
    for (let i = 0; i < count; i++) {
      const shard = byIndex.get(i)!;
      records.push(...shard.spec.records);
      seen.set(i, { resourceVersion: shard.metadata.resourceVersion ?? "", hash: hashOf(shard.spec.records) });
    }
    known.set(uid, seen);
    return records;
  }

  async function writeShards(obj: ChaosObject, records: readonly Record[]): Promise<number> {
    const uid = obj.metadata.uid ?? "";
    const namespace = obj.metadata.namespace ?? "";
    const count = Math.max(1, Math.ceil(records.length / perShard));
    const seen = known.get(uid) ?? new Map<number, { resourceVersion: string; hash: string }>();
    known.set(uid, seen);
    const indexes = [...Array(count).keys()];
    let next = 0;
    const one = async (index: number) => {
      const slice = records.slice(index * perShard, (index + 1) * perShard);
      const hash = hashOf(slice);
      const last = seen.get(index);
      if (last?.hash === hash) return;
      const shard: RecordShard = {
        apiVersion: chaosApiVersion,
        kind: recordShardKind,
        metadata: {
          name: recordShardName(obj.metadata.name ?? "", index),
          namespace,
          labels: { [recordShardExperimentLabel]: uid },
          ownerReferences: [controllerReference({ apiVersion: obj.apiVersion ?? chaosApiVersion, kind: obj.kind ?? "", metadata: { name: obj.metadata.name, uid } })],
        },
        spec: { experiment: { kind: obj.kind ?? "", name: obj.metadata.name ?? "" }, index, records: [...slice] },
      };
      let written: RecordShard;
      if (last) {
        written = await shards.replace({ ...shard, metadata: { ...shard.metadata, resourceVersion: last.resourceVersion } });
      } else {
        try {
          written = await shards.create(shard);
        } catch (error) {
          if (codeOf(error) !== 409) throw error;
          // left by a write whose status never named it (the manager stopped in between): ours to overwrite
          const existing = (await shards.list(namespace, uid)).find((s) => s.spec.index === index);
          if (!existing) throw error;
          written = await shards.replace({ ...shard, metadata: { ...shard.metadata, resourceVersion: existing.metadata.resourceVersion } });
        }
      }
      seen.set(index, { resourceVersion: written.metadata.resourceVersion ?? "", hash });
    };
    await Promise.all(Array.from({ length: Math.min(parallelism, count) }, async () => {
      while (next < indexes.length) await one(indexes[next++]!);
    }));
    return count;
  }

  /** `stored` (as the API server has it, without records) with the records put back: what the pipeline sees. */
  const withRecords = (stored: ChaosObject, records: Record[]): ChaosObject => {
    const view = structuredClone(stored);
    view.status ??= {};
    view.status.experiment = { ...view.status.experiment, containerRecords: records };
    return view;
  };

  /** `obj` as it is stored: the status without records, with the shard count and the counts per phase. */
  const withoutRecords = (obj: ChaosObject, shardCount: number): ChaosObject => {
    const body = structuredClone(obj);
    const experiment = body.status!.experiment!;
    const records = experiment.containerRecords ?? [];
    delete experiment.containerRecords;
    experiment.recordShards = shardCount;
    experiment.recordCounts = recordCounts(records);
    return body;
  };

  return {
    async get(resource, namespace, name) {
      const obj = await inner.get(resource, namespace, name);
      if (!obj) return undefined;
      const count = obj.status?.experiment?.recordShards;
      if (count === undefined) return obj;
      return withRecords(obj, await readShards(obj, count));
    },

    async replaceStatus(resource: ChaosResource, obj: ChaosObject) {
      if (!isSharded(obj)) return inner.replaceStatus(resource, obj);
      const records = obj.status?.experiment?.containerRecords ?? [];
      const count = await writeShards(obj, records);
      return withRecords(await inner.replaceStatus(resource, withoutRecords(obj, count)), [...records]);
    },

    async replace(resource: ChaosResource, obj: ChaosObject) {
      if (!isSharded(obj)) return inner.replace(resource, obj);
      const records = obj.status?.experiment?.containerRecords ?? [];
      const releasing = Boolean(obj.metadata.deletionTimestamp) && !(obj.metadata.finalizers ?? []).includes(recordsFinalizer);
      if (releasing) {
        // the experiment lets go of its records: its shards go first, so none outlives it
        const count = obj.status?.experiment?.recordShards ?? Math.ceil(records.length / perShard);
        for (let i = 0; i < count; i++) await shards.delete(obj.metadata.namespace ?? "", recordShardName(obj.metadata.name ?? "", i));
        known.delete(obj.metadata.uid ?? "");
      }
      // the main resource ignores status: do not send thousands of records with a finalizer change
      const body = structuredClone(obj);
      if (body.status?.experiment) delete body.status.experiment.containerRecords;
      return withRecords(await inner.replace(resource, body), [...records]);
    },
  };
}
