// The detail page's logic beside the records: where the RecordShards are, their records in order,
// the selector in words, and the experiment's Events as rows. Pure.
import type { Record } from "@faultline/api";
import type { KubeObject } from "../kube/watch-events.js";
import { recordShardExperimentLabel, recordShardResource } from "@faultline/records/record-shard-names";
import { collectionPath } from "../kube/kube-paths.js";

/** RecordShards carry the uid of their experiment in this label (libs/records' own name). */
export { recordShardExperimentLabel };

/** The RecordShards of one experiment: its namespace, by the label naming its uid. */
export function recordShardsPath(namespace: string, uid: string): string {
  return `${collectionPath(recordShardResource, namespace)}?labelSelector=${encodeURIComponent(`${recordShardExperimentLabel}=${uid}`)}`;
}

export interface RecordShardObject extends KubeObject {
  spec: { experiment: { kind: string; name: string }; index: number; records: Record[] };
}

/** The records of the shards, in the shards' order (by index). */
export function shardRecords(shards: readonly RecordShardObject[]): Record[] {
  return [...shards].sort((a, b) => (a.spec?.index ?? 0) - (b.spec?.index ?? 0)).flatMap((s) => s.spec?.records ?? []);
}

/** A selector's value in one line: maps as `k=v`, lists joined, requirements as `key op (values)`. */
export function selectorValueText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        const req = item as { key?: unknown; operator?: unknown; values?: unknown };
        if (typeof item === "object" && item !== null && typeof req.key === "string" && typeof req.operator === "string") {
          return `${req.key} ${req.operator}${Array.isArray(req.values) && req.values.length > 0 ? ` (${req.values.join(", ")})` : ""}`;
        }
        return selectorValueText(item);
      })
      .join(", ");
  }
  if (typeof value === "object") {
    return Object.entries(value as { [k: string]: unknown })
      .map(([k, v]) => (typeof v === "object" && v !== null ? `${k}: ${selectorValueText(v)}` : `${k}=${selectorValueText(v)}`))
      .join(", ");
  }
  return JSON.stringify(value);
}

/**
 * What the experiment targets, as label/value pairs: mode and value, each field of `spec.selector`,
 * `containerNames`, and a `spec.target` (NetworkChaos's other side) the same way.
 */
export function selectorEntries(spec: { [key: string]: unknown }): [string, string][] {
  const out: [string, string][] = [];
  const add = (prefix: string, part: { [key: string]: unknown }) => {
    if (part["mode"] !== undefined) out.push([`${prefix}mode`, selectorValueText(part["mode"])]);
    if (part["value"] !== undefined && part["value"] !== "") out.push([`${prefix}value`, selectorValueText(part["value"])]);
    const selector = part["selector"];
    if (typeof selector === "object" && selector !== null) {
      for (const [key, value] of Object.entries(selector)) out.push([`${prefix}selector.${key}`, selectorValueText(value)]);
    }
    if (part["containerNames"] !== undefined) out.push([`${prefix}containerNames`, selectorValueText(part["containerNames"])]);
  };
  add("", spec);
  const target = spec["target"];
  if (typeof target === "object" && target !== null) add("target.", target as { [key: string]: unknown });
  if (out.length === 0) out.push(["selector", "none (the kind selects no pods)"]);
  return out;
}

/** An Event (core/v1), as the page reads it. */
export interface EventObject extends KubeObject {
  involvedObject?: { uid?: string; name?: string; kind?: string };
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
}

export interface EventRow {
  key: string;
  type: string;
  reason: string;
  message: string;
  count: number;
  lastSeen?: string;
}

/**
 * The Events of the object with `uid` (those of an earlier object of the same name left out), the
 * newest first.
 */
export function eventRows(events: readonly EventObject[], uid: string | undefined): EventRow[] {
  return events
    .filter((e) => uid === undefined || e.involvedObject?.uid === undefined || e.involvedObject.uid === uid)
    .map((e) => {
      const lastSeen = e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
      return {
        key: e.metadata.uid ?? `${e.metadata.namespace}/${e.metadata.name}`,
        type: e.type ?? "Normal",
        reason: e.reason ?? "",
        message: e.message ?? "",
        count: e.series?.count ?? e.count ?? 1,
        ...(lastSeen ? { lastSeen } : {}),
      };
    })
    .sort((a, b) => (Date.parse(b.lastSeen ?? "") || 0) - (Date.parse(a.lastSeen ?? "") || 0));
}
