// One experiment's records as the detail page draws them: grouped per node (the node of each
// record's pod), and as a timeline (from each successful Apply to the following successful Recover,
// or to now while still injected; failed attempts as marks). Pure.
import type { Record, RecordEvent } from "@faultline/api";
import { isInjected, podOfRecordId } from "@faultline/cli/status-summary";

/** `ns/pod` of a record id (`ns/pod` or `ns/pod/container`), as `faultline status` reads it. */
export { podOfRecordId };

/** The namespaces of the records' pods (whose pods the page lists for their nodes). */
export function recordNamespaces(records: readonly Record[]): string[] {
  return [...new Set(records.map((r) => r.id.split("/")[0]!).filter((ns) => ns !== "" && ns !== "." && ns !== ".."))].sort();
}

/** A record's state in words: what it is, and whether its last attempt failed. */
export type RecordState = "Injected" | "Not injected" | "Applying" | "Apply failed" | "Recover failed";

export function recordState(record: Record): RecordState {
  const last = record.events?.at(-1);
  if (last?.type === "Failed") return last.operation === "Apply" ? "Apply failed" : "Recover failed";
  if (record.applying) return "Applying";
  return isInjected(record.phase) ? "Injected" : "Not injected";
}

/** One cell of the grid. */
export interface RecordCell {
  id: string;
  /** The container of a container record. */
  container?: string;
  pod: string;
  phase: string;
  state: RecordState;
  lastEvent?: RecordEvent;
}

/** The records of one node. */
export interface NodeGroup {
  /** "" when the pod is unscheduled, gone, or its node could not be read. */
  node: string;
  injected: number;
  cells: RecordCell[];
}

/**
 * The records per node: `nodeOfPod` maps `ns/pod` to its `spec.nodeName`. Nodes by name, the
 * unknown node last; records by id.
 */
export function recordsByNode(records: readonly Record[], nodeOfPod: (pod: string) => string | undefined): NodeGroup[] {
  const groups = new Map<string, NodeGroup>();
  for (const record of records) {
    const pod = podOfRecordId(record.id);
    const node = nodeOfPod(pod) ?? "";
    const group = groups.get(node) ?? { node, injected: 0, cells: [] };
    const parts = record.id.split("/");
    const last = record.events?.at(-1);
    group.cells.push({ id: record.id, pod, ...(parts.length >= 3 ? { container: parts.slice(2).join("/") } : {}), phase: record.phase, state: recordState(record), ...(last ? { lastEvent: last } : {}) });
    if (isInjected(record.phase)) group.injected++;
    groups.set(node, group);
  }
  for (const group of groups.values()) group.cells.sort((a, b) => a.id.localeCompare(b.id));
  return [...groups.values()].sort((a, b) => (a.node === "") !== (b.node === "") ? (a.node === "" ? 1 : -1) : a.node.localeCompare(b.node));
}

/** Pods (as the API lists them) → `ns/pod` → node. */
export function nodeIndex(pods: readonly { metadata: { name: string; namespace?: string }; spec?: { nodeName?: string } }[]): Map<string, string> {
  const index = new Map<string, string>();
  for (const pod of pods) if (pod.spec?.nodeName) index.set(`${pod.metadata.namespace ?? ""}/${pod.metadata.name}`, pod.spec.nodeName);
  return index;
}

/** An injected interval, in ms since the epoch. */
export interface Interval {
  start: number;
  end: number;
  /** Still injected: `end` is now. */
  open: boolean;
}

/** A failed attempt. */
export interface FailureMark {
  at: number;
  operation: "Apply" | "Recover";
  message?: string;
}

export interface TimelineRow {
  id: string;
  intervals: Interval[];
  failures: FailureMark[];
}

export interface Timeline {
  rows: TimelineRow[];
  /** The time span drawn: the first event (or `since`) to now. */
  start: number;
  end: number;
}

/**
 * The timeline of records: per record, the intervals from each successful Apply to the following
 * successful Recover (a second Apply while injected does not start another); an interval still
 * open ends at `now` while the record is injected (or applying), else at its last event; failed
 * attempts are marks. `since` (the experiment's creation) starts the axis when it is earlier.
 */
export function timelineOf(records: readonly Record[], now: number, since?: number): Timeline {
  let start = since !== undefined && Number.isFinite(since) ? since : Number.POSITIVE_INFINITY;
  const rows: TimelineRow[] = [];
  for (const record of [...records].sort((a, b) => a.id.localeCompare(b.id))) {
    const events = (record.events ?? [])
      .map((e) => ({ ...e, at: Date.parse(e.timestamp) }))
      .filter((e) => Number.isFinite(e.at))
      .sort((a, b) => a.at - b.at);
    const intervals: Interval[] = [];
    const failures: FailureMark[] = [];
    let openAt: number | undefined;
    for (const e of events) {
      start = Math.min(start, e.at);
      if (e.type === "Failed") {
        failures.push({ at: e.at, operation: e.operation, ...(e.message ? { message: e.message } : {}) });
      } else if (e.operation === "Apply") {
        if (openAt === undefined) openAt = e.at;
      } else if (openAt !== undefined) {
        intervals.push({ start: openAt, end: Math.max(openAt, e.at), open: false });
        openAt = undefined;
      }
    }
    if (openAt !== undefined) {
      const still = isInjected(record.phase) || record.applying === true;
      const lastAt = events.at(-1)!.at;
      intervals.push(still ? { start: openAt, end: Math.max(openAt, now), open: true } : { start: openAt, end: lastAt, open: false });
    }
    rows.push({ id: record.id, intervals, failures });
  }
  if (!Number.isFinite(start)) start = now - 60_000;
  return { rows, start: Math.min(start, now), end: Math.max(now, start + 1000) };
}

const tickSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800].map((s) => s * 1000);

/** Round-valued ticks between start and end, at most about `max` of them. */
export function timeTicks(start: number, end: number, max = 8): number[] {
  const span = Math.max(1, end - start);
  const step = tickSteps.find((s) => span / s <= max) ?? tickSteps.at(-1)!;
  const ticks: number[] = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return ticks;
}

/** A tick's label: HH:MM:SS within a day, else the date with HH:MM (UTC, as the API server's times). */
export function tickLabel(t: number, start: number, end: number): string {
  const iso = new Date(t).toISOString();
  if (end - start > 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(11, 19);
}

/** "3m 20s", "2h 5m", "45s": a duration for people. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}
