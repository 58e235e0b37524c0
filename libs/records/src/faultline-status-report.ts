// The pure parts of the manager's published status (ConfigMap faultline-status, `FaultlineStatus` of
// @faultline/api): the permissions it checks and how a gap reads, each node's daemon entry, and a
// sweep's findings as `orphans` / `lastSweep`. The manager's status loop does the I/O around them.
import { faultlineStatusConfigMap, killSwitchResource, type FaultlineNodeStatus, type FaultlineStatus, type NodeCapabilities } from "@faultline/api";
import type { ChaosKind } from "@faultline/impl-registry";
import type { V1EndpointSlice, V1Pod } from "@kubernetes/client-node";
import type { InjectionSweeper } from "./injection-sweeper.js";
import { recordShardResource } from "./record-shard-names.js";

/** At most this many orphans (and swept injections) are listed; `truncated` counts the rest (a ConfigMap holds 1 MiB). */
export const maxListedInjections = 1000;

/** A find-only or real pass, as {@link InjectionSweeper.pass} answers it. */
type SweepPass = Awaited<ReturnType<InjectionSweeper["pass"]>>;

/** One permission the manager needs: a SelfSubjectAccessReview's resource attributes. */
export interface ManagerNeed {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Absent: cluster-wide. */
  namespace?: string;
  /** One object by name (what a rule with `resourceNames` grants). */
  name?: string;
}

/** How a missing permission reads in `rbacGaps`: "list pods (core) cluster-wide", "patch configmaps/faultline-status (core) in chaos-mesh". */
export function describeNeed(need: ManagerNeed): string {
  const resource = `${need.resource}${need.subresource ? `/${need.subresource}` : ""}${need.name ? ` ${need.name}` : ""}`;
  return `${need.verb} ${resource} (${need.group || "core"}) ${need.namespace === undefined ? "cluster-wide" : `in ${need.namespace}`}`;
}

/**
 * What the manager itself needs to work, as the chart grants it: every served kind (and
 * RecordShards) read, watched and written with their status, pods read, watched, patched and
 * deleted (and evicted, and PodDisruptionBudgets listed, when it serves PodChaos), Events written, nodes listed, and in its namespace the daemons' EndpointSlices (unless
 * a static --daemon-address), the Lease (with leader election) and this ConfigMap.
 */
export function managerNeeds(options: { kinds: readonly Pick<ChaosKind, "group" | "plural">[]; namespace: string; leaderElect: boolean; staticDaemonAddress: boolean }): ManagerNeed[] {
  const needs: ManagerNeed[] = [];
  const resources = [...options.kinds.map((k) => ({ group: k.group, resource: k.plural })), { group: recordShardResource.group, resource: recordShardResource.plural }];
  for (const { group, resource } of resources) {
    for (const verb of ["list", "watch", "update"]) needs.push({ verb, group, resource });
    if (resource !== recordShardResource.plural) needs.push({ verb: "update", group, resource, subresource: "status" });
  }
  // the kill switch: its cache (list/watch), and its status written with a merge patch
  for (const verb of ["list", "watch"]) needs.push({ verb, group: killSwitchResource.group, resource: killSwitchResource.plural });
  needs.push({ verb: "patch", group: killSwitchResource.group, resource: killSwitchResource.plural, subresource: "status" });
  for (const verb of ["get", "list", "watch", "patch", "delete"]) needs.push({ verb, group: "", resource: "pods" });
  needs.push({ verb: "create", group: "", resource: "events" }, { verb: "list", group: "", resource: "nodes" });
  // PodChaos's PodDisruptionBudget guard rail: pod-kill evicts, pod-failure reads the PDBs
  if (options.kinds.some((k) => k.group === "chaos-mesh.org" && k.plural === "podchaos")) {
    needs.push({ verb: "create", group: "", resource: "pods", subresource: "eviction" }, { verb: "list", group: "policy", resource: "poddisruptionbudgets" });
  }
  const ns = options.namespace;
  if (!options.staticDaemonAddress) needs.push({ verb: "list", group: "discovery.k8s.io", resource: "endpointslices", namespace: ns });
  if (options.leaderElect) for (const verb of ["get", "update"]) needs.push({ verb, group: "coordination.k8s.io", resource: "leases", namespace: ns });
  needs.push({ verb: "create", group: "", resource: "configmaps", namespace: ns });
  for (const verb of ["get", "watch", "patch"]) needs.push({ verb, group: "", resource: "configmaps", namespace: ns, name: faultlineStatusConfigMap });
  return needs;
}

/** The version a daemon's pod says it runs: its container's image tag (not a digest), else its `app.kubernetes.io/version` label. */
export function daemonVersionOf(pod: V1Pod): string | undefined {
  const containers = pod.spec?.containers ?? [];
  const image = (containers.find((c) => c.name === "daemon") ?? containers[0])?.image ?? "";
  const tag = /:([^:/@]+)$/.exec(image.split("@")[0] ?? "")?.[1];
  return tag ?? pod.metadata?.labels?.["app.kubernetes.io/version"];
}

/** node → the daemon pod its endpoint in the daemon Service's EndpointSlices names (a ready one first). */
export function daemonPodsOf(slices: readonly V1EndpointSlice[], namespace: string): Map<string, { namespace: string; name: string }> {
  const pods = new Map<string, { namespace: string; name: string }>();
  const endpoints = slices.flatMap((s) => s.endpoints ?? []);
  for (const endpoint of [...endpoints.filter((e) => e.conditions?.ready !== false), ...endpoints.filter((e) => e.conditions?.ready === false)]) {
    const ref = endpoint.targetRef;
    if (!endpoint.nodeName || ref?.kind !== "Pod" || !ref.name || pods.has(endpoint.nodeName)) continue;
    pods.set(endpoint.nodeName, { namespace: ref.namespace ?? namespace, name: ref.name });
  }
  return pods;
}

/** One node's daemon entry from a GetNodeCapabilities answer (or its failure), capabilities per served kind. */
export function daemonEntry(
  pod: string,
  version: string | undefined,
  kinds: readonly Pick<ChaosKind, "kind" | "definition">[],
  answer: { caps: NodeCapabilities } | { error: string },
): NonNullable<FaultlineNodeStatus["daemon"]> {
  const base = { pod, ...(version !== undefined && { version }) };
  if ("error" in answer) return { ...base, reachable: false, error: answer.error };
  const capabilities: { [kind: string]: { capable: boolean; reason?: string } } = {};
  for (const kind of kinds) capabilities[kind.kind] = kind.definition.nodeCapability?.(answer.caps) ?? { capable: true };
  return { ...base, reachable: true, capabilities };
}

const podId = (pod: { namespace: string; name: string }) => `${pod.namespace}/${pod.name}`;

/** A pass's findings as `orphans`. */
export function orphansOf(pass: SweepPass): FaultlineStatus["orphans"] {
  const found = pass.found.map(({ kind, injection }) => ({ kind, pod: podId(injection.pod), owner: injection.owner, what: injection.what }));
  return {
    checkedAt: pass.finishedAt.toISOString(),
    found: found.slice(0, maxListedInjections),
    ...(found.length > maxListedInjections && { truncated: found.length - maxListedInjections }),
    ...(pass.errors.length > 0 && { errors: pass.errors }),
  };
}

/** A real pass asked for by the sweep-requested annotation `requestedAt`, as `lastSweep`. */
export function lastSweepOf(requestedAt: string, pass: SweepPass): NonNullable<FaultlineStatus["lastSweep"]> {
  const swept = pass.found.map(({ kind, injection }) => ({ kind, pod: podId(injection.pod), what: injection.what }));
  return {
    requestedAt,
    finishedAt: pass.finishedAt.toISOString(),
    swept: swept.slice(0, maxListedInjections),
    ...(swept.length > maxListedInjections && { truncated: swept.length - maxListedInjections }),
    errors: pass.errors,
  };
}

/**
 * `updatedAt` of a write: now, or the refresh it answers when that reads later (a CLI whose clock
 * is ahead of the manager's still sees `updatedAt` ≥ its request once the request has been seen).
 */
export function updatedAtFor(now: Date, refreshSeen: string | undefined): string {
  const requested = refreshSeen === undefined ? NaN : Date.parse(refreshSeen);
  return new Date(Number.isNaN(requested) ? now.getTime() : Math.max(now.getTime(), requested)).toISOString();
}
