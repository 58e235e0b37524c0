// The manager's published status: ConfigMap `faultline-status` in the manager's namespace, key
// `status.json`, written by the leader. `faultline doctor` and `faultline recover --orphans` read it
// with nothing but the user's right to get that one ConfigMap.

/** The ConfigMap's name, in the manager's namespace (its `--namespace`). */
export const faultlineStatusConfigMap = "faultline-status";

/** The key holding the JSON document ({@link FaultlineStatus}). */
export const faultlineStatusKey = "status.json";

/**
 * Set on the ConfigMap to an RFC 3339 timestamp: the leader writes the status again now (a find-only
 * sweep included); a reader waits until `updatedAt` is at or after it.
 */
export const statusRefreshRequestedAnnotation = "faultline.chaos-mesh.org/refresh-requested";

/**
 * Set on the ConfigMap to an RFC 3339 timestamp: the leader sweeps now (recovering what no
 * experiment holds) and writes the result as `lastSweep`, whose `requestedAt` is this value.
 */
export const sweepRequestedAnnotation = "faultline.chaos-mesh.org/sweep-requested";

/** What a node's daemon can do for one kind (the kind's own capability check of GetNodeCapabilities). */
export interface KindNodeCapability {
  capable: boolean;
  /** Why not: the missing piece, as the kind's check names it. */
  reason?: string;
}

/** One node as the manager sees it, and its daemon. */
export interface FaultlineNodeStatus {
  node: string;
  /** Absent when no daemon serves the node (none on it, or not in the daemon Service yet). */
  daemon?: {
    /** `namespace/name` of the daemon's pod; "" when the manager reaches daemons at a static `--daemon-address`. */
    pod: string;
    /** The daemon's image tag (else its `app.kubernetes.io/version` label), when its pod is known. */
    version?: string;
    /** Whether it answered GetNodeCapabilities. */
    reachable: boolean;
    error?: string;
    /** Per served kind; absent when it did not answer. */
    capabilities?: { [kind: string]: KindNodeCapability };
  };
}

/** An injection no experiment holds, as a find-only sweep reports it. */
export interface FaultlineOrphan {
  kind: string;
  /** `namespace/name`. */
  pod: string;
  owner: { uid: string; namespace?: string; name?: string };
  what: string;
}

/** The document under `status.json`. */
export interface FaultlineStatus {
  /** RFC 3339: when the leader wrote it. */
  updatedAt: string;
  manager: {
    version: string;
    /** The leader's identity (`host_pid`), as in its Lease. */
    identity: string;
    /** RFC 3339: when it became leader. */
    leaderSince: string;
    /** Objects waiting in its controllers' queues. */
    queueDepth: number;
    /** The chaos kinds it serves. */
    kinds: string[];
    /** What it needs and may not do, one line each ("list pods (core) cluster-wide"), from SelfSubjectAccessReviews. */
    rbacGaps: string[];
  };
  nodes: FaultlineNodeStatus[];
  /** The last find-only sweep (at most 1,000 listed; `truncated` says how many more it found). */
  orphans: { checkedAt: string; found: FaultlineOrphan[]; truncated?: number; errors?: string[] };
  /** The last sweep the sweep-requested annotation asked for (`requestedAt` is the annotation's value). */
  lastSweep?: { requestedAt: string; finishedAt: string; swept: { kind: string; pod: string; what: string }[]; truncated?: number; errors: string[] };
}
