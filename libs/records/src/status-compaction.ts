import { truncateMessage, type ChaosStatus, type Record, type RecordEvent } from "@faultline/api";
import { defaultRecordsPerShard } from "./record-shard-crd.js";

/**
 * How the pipeline keeps status below the API server's object size limit (etcd's default request
 * limit is 1.5 MiB, and the whole object counts): each record keeps only its latest events, messages
 * are truncated, and when the status is still too large, older events are dropped for every record
 * until it fits. Records themselves are never dropped: they are the experiment's state.
 */
export interface StatusCompaction {
  /** Events kept per record; default 10 (enough to reach the backoff cap). */
  maxEventsPerRecord: number;
  /** Longest kept event message, in characters; default 512. */
  maxMessageLength: number;
  /**
   * The largest status, in bytes of JSON, the pipeline writes; default 1 MiB. For an experiment
   * whose records live in RecordShards, per object: `maxStatusBytes` for each `recordsPerShard`
   * records.
   */
  maxStatusBytes: number;
  /** Records one object holds (the status, or one RecordShard); default 1000, as the sharded client's. */
  recordsPerShard: number;
}

export const defaultStatusCompaction: StatusCompaction = {
  maxEventsPerRecord: 10,
  maxMessageLength: 512,
  maxStatusBytes: 1024 * 1024,
  recordsPerShard: defaultRecordsPerShard,
};

/** Appends an event to a record, keeping only the latest `max` (message truncated). */
export function appendRecordEvent(record: Record, event: RecordEvent, compaction: StatusCompaction = defaultStatusCompaction): void {
  const kept: RecordEvent = { ...event };
  if (kept.message !== undefined) kept.message = truncateMessage(kept.message, compaction.maxMessageLength);
  record.events = [...(record.events ?? []), kept].slice(-compaction.maxEventsPerRecord);
}

/** The size of a status as the API server stores it (JSON, UTF-8). */
export function statusBytes(status: ChaosStatus): number {
  return Buffer.byteLength(JSON.stringify(status));
}

/**
 * Makes `status` fit `maxStatusBytes` (in place) by halving the events every record keeps, down to
 * none. Answers whether it fits; a status that does not fit without any events has more records than
 * one object can hold, and the write will be refused by the API server.
 */
export function fitStatus(status: ChaosStatus, compaction: StatusCompaction = defaultStatusCompaction): { fits: boolean; eventsKept: number } {
  const records = status.experiment?.containerRecords ?? [];
  let keep = compaction.maxEventsPerRecord;
  for (const record of records) if (record.events && record.events.length > keep) record.events = record.events.slice(-keep);
  // records beyond one object's share are stored in shards of recordsPerShard, each with its own budget
  const objects = Math.max(1, Math.ceil(records.length / compaction.recordsPerShard));
  const budget = compaction.maxStatusBytes * objects;
  while (statusBytes(status) > budget) {
    if (keep === 0) return { fits: false, eventsKept: 0 };
    keep = Math.floor(keep / 2);
    for (const record of records) {
      if (!record.events) continue;
      if (keep === 0) delete record.events;
      else record.events = record.events.slice(-keep);
    }
  }
  return { fits: true, eventsKept: keep };
}
