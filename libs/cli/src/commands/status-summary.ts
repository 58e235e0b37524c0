// The pure part of `faultline status`: one experiment's summary from its object, the nodes of its
// pods and its Events, and how it is printed (table, detail, watch lines and progress bars).
import type { ChaosCondition, Record } from "@faultline/api";
import { age, progressBar, renderTable } from "../output.js";

/** One Event of an experiment, newest last. */
export interface EventSummary {
  type: string;
  reason: string;
  message: string;
  count: number;
  /** RFC 3339. */
  lastSeen?: string;
}

/** One experiment as `status` shows it. */
export interface ExperimentSummary {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  createdAt?: string;
  desiredPhase: string;
  /** The pause annotation is set. */
  paused: boolean;
  records: { injected: number; total: number };
  /** Records per node (the node of each record's pod; "" when unscheduled or unknown). */
  nodes: { node: string; injected: number; total: number }[];
  conditions: ChaosCondition[];
  events: EventSummary[];
}

/** What `status` reads of a chaos object. */
export interface ChaosObject {
  kind?: string;
  metadata: { name: string; namespace: string; uid: string; creationTimestamp?: string; annotations?: { [k: string]: string }; generation?: number };
  status?: {
    conditions?: ChaosCondition[];
    experiment?: { desiredPhase?: string; containerRecords?: Record[]; recordCounts?: { [phase: string]: number } };
    plan?: unknown;
  };
}

export const isInjected = (phase: string) => phase === "Injected" || phase.startsWith("Injected/");

/** `ns/pod` of a record id (`ns/pod` or `ns/pod/container`). */
export function podOfRecordId(id: string): string {
  const parts = id.split("/");
  return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : id;
}

/**
 * Records injected and in all: counted from `records` (the status's, or its RecordShards'), or,
 * when there are none, from the status's counts per phase (`recordCounts`, set when the records
 * live in RecordShards).
 */
export function recordTotals(records: readonly { phase: string }[], counts: { [phase: string]: number } | undefined): { injected: number; total: number } {
  if (records.length > 0 || counts === undefined) return { injected: records.filter((r) => isInjected(r.phase)).length, total: records.length };
  let injected = 0;
  let total = 0;
  for (const [phase, n] of Object.entries(counts)) {
    total += n;
    if (isInjected(phase)) injected += n;
  }
  return { injected, total };
}

/**
 * The summary of one experiment. `records` are its records (from its status, or its RecordShards),
 * `nodeOfPod` maps `ns/pod` to the pod's node, `events` are its Events in any order.
 */
export function summarizeExperiment(kind: string, object: ChaosObject, records: readonly Record[], nodeOfPod: (pod: string) => string | undefined, events: readonly EventSummary[], pauseAnnotation: string): ExperimentSummary {
  const perNode = new Map<string, { injected: number; total: number }>();
  for (const record of records) {
    const node = nodeOfPod(podOfRecordId(record.id)) ?? "";
    const entry = perNode.get(node) ?? { injected: 0, total: 0 };
    entry.total++;
    if (isInjected(record.phase)) entry.injected++;
    perNode.set(node, entry);
  }
  const { injected, total } = recordTotals(records, object.status?.experiment?.recordCounts);
  const sortedEvents = [...events].sort((a, b) => Date.parse(a.lastSeen ?? "") - Date.parse(b.lastSeen ?? ""));
  return {
    kind,
    namespace: object.metadata.namespace,
    name: object.metadata.name,
    uid: object.metadata.uid,
    ...(object.metadata.creationTimestamp ? { createdAt: object.metadata.creationTimestamp } : {}),
    desiredPhase: object.status?.experiment?.desiredPhase ?? "",
    paused: object.metadata.annotations?.[pauseAnnotation] === "true",
    records: { injected, total },
    nodes: [...perNode.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([node, n]) => ({ node, ...n })),
    conditions: object.status?.conditions ?? [],
    events: sortedEvents,
  };
}

const nodeName = (node: string) => (node === "" ? "(no node)" : node);

/** `node-a 2/3, node-b 1/1`. */
export function nodesCell(summary: ExperimentSummary): string {
  return summary.nodes.map((n) => `${nodeName(n.node)} ${n.injected}/${n.total}`).join(", ") || "-";
}

/** The conditions that are True, by type (`Selected,AllInjected`), and Paused's reason when it is. */
export function conditionsCell(conditions: readonly ChaosCondition[]): string {
  const on = conditions.filter((c) => c.status === "True").map((c) => (c.type === "Paused" && c.reason && c.reason !== "Paused" ? `Paused(${c.reason})` : c.type));
  return on.join(",") || "-";
}

const phaseCell = (s: ExperimentSummary) => (s.paused ? `${s.desiredPhase || "-"} (paused)` : s.desiredPhase || "-");

/** The table of `faultline status`, with a NAMESPACE column across namespaces. */
export function renderStatusTable(summaries: readonly ExperimentSummary[], options: { allNamespaces: boolean; now: Date }): string {
  if (summaries.length === 0) return "";
  const headers = [...(options.allNamespaces ? ["NAMESPACE"] : []), "KIND", "NAME", "PHASE", "INJECTED", "NODES", "CONDITIONS", "AGE", "LAST EVENT"];
  const rows = summaries.map((s) => {
    const last = s.events[s.events.length - 1];
    return [
      ...(options.allNamespaces ? [s.namespace] : []),
      s.kind,
      s.name,
      phaseCell(s),
      `${s.records.injected}/${s.records.total}`,
      nodesCell(s),
      conditionsCell(s.conditions),
      age(s.createdAt, options.now),
      last ? `${last.reason}: ${oneLine(last.message, 60)}` : "-",
    ];
  });
  return renderTable(headers, rows);
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `faultline status kind/name`: the experiment, its records per node, conditions and last Events. */
export function renderStatusDetail(s: ExperimentSummary, options: { now: Date; events?: number }): string {
  const lines = [
    `${s.kind} ${s.namespace}/${s.name}`,
    `  phase:     ${phaseCell(s)}`,
    `  injected:  ${s.records.injected}/${s.records.total} ${progressBar(s.records.injected, s.records.total)}`,
    `  nodes:`,
    ...(s.nodes.length === 0 ? ["    -"] : s.nodes.map((n) => `    ${nodeName(n.node)}: ${n.injected}/${n.total} injected`)),
    `  conditions:`,
    ...(s.conditions.length === 0 ? ["    -"] : s.conditions.map((c) => `    ${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ""}${c.message ? `: ${oneLine(c.message, 120)}` : ""}`)),
    `  last events:`,
  ];
  const events = s.events.slice(-(options.events ?? 10));
  if (events.length === 0) lines.push("    -");
  for (const e of events) lines.push(`    ${age(e.lastSeen, options.now).padStart(4)} ago  ${e.type.padEnd(7)} ${e.reason}${e.count > 1 ? ` (x${e.count})` : ""}: ${oneLine(e.message, 120)}`);
  return lines.join("\n") + "\n";
}

/** One line of `status --watch` when stdout is not a terminal: printed when it changes. */
export function watchLine(s: ExperimentSummary): string {
  return `${s.kind} ${s.namespace}/${s.name} ${phaseCell(s)} injected ${s.records.injected}/${s.records.total} nodes ${nodesCell(s)} conditions ${conditionsCell(s.conditions)}`;
}

/** The lines `status --watch` draws on a terminal: a progress bar per experiment. */
export function watchFrame(summaries: readonly ExperimentSummary[], now: Date, columns = 120): string[] {
  const header = `faultline status --watch   ${now.toISOString().slice(11, 19)}   (Ctrl-C to end)`;
  if (summaries.length === 0) return [header, "no chaos experiments"];
  const nameWidth = Math.min(40, Math.max(...summaries.map((s) => `${s.kind} ${s.namespace}/${s.name}`.length)));
  return [
    header,
    ...summaries.map((s) => {
      const label = `${s.kind} ${s.namespace}/${s.name}`.padEnd(nameWidth);
      const line = `${label}  ${progressBar(s.records.injected, s.records.total)} ${`${s.records.injected}/${s.records.total}`.padStart(7)}  ${phaseCell(s).padEnd(4)}  ${nodesCell(s)}  ${conditionsCell(s.conditions)}`;
      return line.length > columns ? line.slice(0, columns - 1) : line;
    }),
  ];
}
