// The Nodes page's logic: the manager's published status (ConfigMap faultline-status, key
// status.json, in the faultline namespace) as one row per node. Pure.
import { coreResource, objectPath } from "../kube/kube-paths.js";
import { parseStatusConfigMap } from "@faultline/cli/faultline-status-parse";
import { faultlineStatusConfigMap, type FaultlineNodeStatus, type FaultlineStatus } from "@faultline/api";

/** The ConfigMap's path in the faultline namespace. */
export const faultlineStatusPath = (namespace: string) => objectPath(coreResource("configmaps"), namespace, faultlineStatusConfigMap);

export interface ConfigMapObject {
  metadata: { name: string; namespace?: string };
  data?: { [key: string]: string };
}

/** status.json of the ConfigMap (read as `faultline doctor` reads it), or why it cannot be read (naming the ConfigMap and the key). */
export function parseFaultlineStatus(cm: ConfigMapObject, namespace: string): { status: FaultlineStatus } | { problem: string } {
  try {
    return { status: parseStatusConfigMap(cm, namespace) };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

export interface NodeRow {
  node: string;
  /** "pod ns/name", "static address", or "no daemon". */
  daemon: string;
  version: string;
  reachability: "Reachable" | "Unreachable" | "No daemon";
  error?: string;
  /** Per kind the manager serves, in its order: capable or why not; unknown when the daemon did not answer. */
  capabilities: { kind: string; state: "Capable" | "Not capable" | "Unknown"; reason?: string }[];
}

export function nodeRows(status: FaultlineStatus): NodeRow[] {
  const kinds = [...(status.manager?.kinds ?? [])].sort();
  return [...status.nodes]
    .sort((a, b) => a.node.localeCompare(b.node))
    .map((n: FaultlineNodeStatus) => {
      const d = n.daemon;
      const caps = d?.capabilities;
      const kindsHere = kinds.length > 0 ? kinds : Object.keys(caps ?? {}).sort();
      return {
        node: n.node,
        daemon: d === undefined ? "no daemon" : d.pod === "" ? "static address" : `pod ${d.pod}`,
        version: d?.version ?? "-",
        reachability: d === undefined ? "No daemon" : d.reachable ? "Reachable" : "Unreachable",
        ...(d?.error ? { error: d.error } : {}),
        capabilities: kindsHere.map((kind) => {
          const c = caps?.[kind];
          if (c === undefined) return { kind, state: "Unknown" as const };
          return { kind, state: c.capable ? ("Capable" as const) : ("Not capable" as const), ...(c.reason ? { reason: c.reason } : {}) };
        }),
      };
    });
}
