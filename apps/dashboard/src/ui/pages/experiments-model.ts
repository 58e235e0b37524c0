// The experiments list's logic: the chaos kinds from discovery, one row per experiment (its phase
// in one word, records injected/total, conditions), and the filters kept in the URL. Pure.
import { chaosGroup, chaosVersion, pauseAnnotation, planAnnotation, type ChaosStatus } from "@faultline/api";
import { experimentPhaseOf as statusPhaseOf, type ExperimentPhase as StatusPhase } from "@faultline/records/experiment-phase";
import { recordTotals } from "@faultline/cli/status-summary";
import type { KubeObject } from "../kube/watch-events.js";
import { chaosResource, collectionPath, groupPath } from "../kube/kube-paths.js";
import { chaosKindsOf, type DiscoveredResource, type UiChaosKind } from "../create/chaos-kinds.js";

/** One chaos kind the cluster serves (from discovery: the Create page's chaosKindsOf, one filter for the whole UI). */
export type ChaosKind = UiChaosKind;
export { chaosKindsOf };

/** The discovery document of chaos-mesh.org/v1alpha1 (what the UI reads of it). */
export interface ApiResourceList {
  resources: DiscoveredResource[];
}

/** The path of the discovery document. */
export const chaosDiscoveryPath = groupPath(chaosGroup, chaosVersion);

/** What a route's plural is: one of the chaos kinds discovery lists (only then does a page act on it), unknown, or not known yet. */
export type KindLookup = { state: "loading" } | { state: "unknown"; plural: string } | { state: "known"; kind: ChaosKind };

export function lookupChaosKind(discovery: ApiResourceList | undefined, plural: string): KindLookup {
  if (discovery === undefined) return { state: "loading" };
  const kind = chaosKindsOf(discovery).find((k) => k.plural === plural);
  return kind ? { state: "known", kind } : { state: "unknown", plural };
}

/** The collection of a kind in one namespace, or across every namespace (each segment encoded, "."/".." refused). */
export function chaosCollectionPath(plural: string, namespace: string | undefined): string {
  return collectionPath(chaosResource(plural), namespace);
}

/** A chaos object as the list reads it. */
export interface ChaosObject extends KubeObject {
  spec?: { [key: string]: unknown };
  status?: ChaosStatus;
}

/**
 * Where an experiment stands, one word (the manager's `faultline_manager_experiments` phases, and
 * Planned while the plan annotation holds it): Paused while its Paused condition holds (or the pause
 * annotation is set and the manager has not said yet); Injected / Recovered when every record is;
 * Injecting / Recovering on the way; Pending before the manager decided anything.
 */
export type ExperimentPhase = StatusPhase | "Planned";

export const experimentPhases: readonly ExperimentPhase[] = ["Injected", "Injecting", "Paused", "Recovering", "Recovered", "Planned", "Pending"];

/** The manager's phase of the status (libs/records' experimentPhaseOf, the gauge's), plus what the object's annotations say before the manager does. */
export function experimentPhaseOf(object: ChaosObject): ExperimentPhase {
  if (object.metadata.annotations?.[planAnnotation] === "true") return "Planned";
  const phase = statusPhaseOf(object.status);
  if (phase === "Pending" && object.metadata.annotations?.[pauseAnnotation] === "true") return "Paused";
  return phase;
}

/** Records injected and in all, as `faultline status` counts them: from the records in the status, else from its counts per phase (records in RecordShards). */
export function recordCounts(status: ChaosStatus | undefined): { injected: number; total: number } {
  return recordTotals(status?.experiment?.containerRecords ?? [], status?.experiment?.recordCounts);
}

/** One row of the list. */
export interface ExperimentRow {
  kind: string;
  plural: string;
  namespace: string;
  name: string;
  uid: string;
  phase: ExperimentPhase;
  paused: boolean;
  injected: number;
  total: number;
  conditions: NonNullable<ChaosStatus["conditions"]>;
  createdAt?: string;
}

export function experimentRow(kind: ChaosKind, object: ChaosObject): ExperimentRow {
  return {
    kind: kind.kind,
    plural: kind.plural,
    namespace: object.metadata.namespace ?? "",
    name: object.metadata.name,
    uid: object.metadata.uid ?? "",
    phase: experimentPhaseOf(object),
    paused: object.metadata.annotations?.[pauseAnnotation] === "true",
    ...recordCounts(object.status),
    conditions: object.status?.conditions ?? [],
    ...(object.metadata.creationTimestamp ? { createdAt: object.metadata.creationTimestamp } : {}),
  };
}

/** The list's filters, as the URL keeps them (`#/experiments?namespace=shop&kind=PodChaos&state=Injected`). */
export interface ExperimentFilters {
  /** Also the scope: set = list in that namespace only. */
  namespace?: string;
  kind?: string;
  state?: string;
}

export function filtersOf(query: URLSearchParams): ExperimentFilters {
  const pick = (key: string) => query.get(key)?.trim() || undefined;
  const namespace = pick("namespace");
  const kind = pick("kind");
  const state = pick("state");
  return { ...(namespace ? { namespace } : {}), ...(kind ? { kind } : {}), ...(state ? { state } : {}) };
}

/** The rows the filters keep, by namespace, kind, then name. */
export function filterRows(rows: readonly ExperimentRow[], filters: ExperimentFilters): ExperimentRow[] {
  return rows
    .filter((r) => (filters.namespace === undefined || r.namespace === filters.namespace) && (filters.kind === undefined || r.kind === filters.kind) && (filters.state === undefined || r.phase === filters.state))
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

/** How long ago, in one unit ("45s", "3m", "2h", "5d"). */
export function age(from: string | undefined, now: number): string {
  if (!from) return "-";
  const seconds = Math.max(0, Math.floor((now - Date.parse(from)) / 1000));
  if (Number.isNaN(seconds)) return "-";
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** A CSS class for a word (badge-injected, badge-not-injected). */
export const badgeClass = (word: string) => `badge badge-${word.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}`;
