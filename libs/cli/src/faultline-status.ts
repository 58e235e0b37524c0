// The manager's published status: ConfigMap `faultline-status` (key status.json) in its namespace,
// written by the leader every 30 s and when its refresh annotation changes. doctor and
// recover --orphans read it; they ask for a fresh one first and wait for updatedAt ≥ the request.
import { CliError, type CliIo } from "./cli-io.js";
import { ApiError, type Kube } from "./kube.js";
import { nowSeconds, pollUntil } from "./wait.js";

export const statusConfigMapName = "faultline-status";
export const refreshRequestedAnnotation = "faultline.chaos-mesh.org/refresh-requested";
export const sweepRequestedAnnotation = "faultline.chaos-mesh.org/sweep-requested";

export interface FaultlineStatus {
  updatedAt: string;
  manager: { version: string; identity: string; leaderSince: string; queueDepth: number; kinds: string[]; rbacGaps: string[] };
  nodes: {
    node: string;
    daemon?: { pod: string; version?: string; reachable: boolean; error?: string; capabilities?: { [kind: string]: { capable: boolean; reason?: string } } };
  }[];
  orphans: { checkedAt: string; found: { kind: string; pod: string; owner: { uid: string; namespace?: string; name?: string }; what: string }[] };
  lastSweep?: { requestedAt: string; finishedAt: string; swept: { kind: string; pod: string; what: string }[]; errors: string[] };
}

interface ConfigMap {
  metadata: { annotations?: { [k: string]: string } };
  data?: { [k: string]: string };
}

const path = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${statusConfigMapName}`;
const access = (verb: string, namespace: string) => ({ verb, resource: "configmaps", group: "", namespace, name: statusConfigMapName });

/** status.json of the ConfigMap, parsed (an error naming the ConfigMap when it is missing or unreadable). */
export function parseStatusConfigMap(cm: ConfigMap, namespace: string): FaultlineStatus {
  const text = cm.data?.["status.json"];
  if (text === undefined) throw new CliError(`ConfigMap ${namespace}/${statusConfigMapName} has no status.json`);
  try {
    return JSON.parse(text) as FaultlineStatus;
  } catch (err) {
    throw new CliError(`ConfigMap ${namespace}/${statusConfigMapName}: status.json is not JSON: ${(err as Error).message}`);
  }
}

export async function readFaultlineStatus(kube: Kube, namespace: string): Promise<FaultlineStatus> {
  const cm = await kube.getIfExists<ConfigMap>(path(namespace), access("get", namespace));
  if (cm === undefined) throw new CliError(`ConfigMap ${namespace}/${statusConfigMapName} not found: is the Faultline manager running in namespace ${namespace} (--faultline-namespace), and is it leading?`);
  return parseStatusConfigMap(cm, namespace);
}

/** Sets one of the ConfigMap's annotations to now (whole seconds); returns the value set. */
export async function annotateNow(kube: Kube, namespace: string, annotation: string, now = new Date()): Promise<string> {
  const value = nowSeconds(now);
  try {
    await kube.request("PATCH", path(namespace), access("patch", namespace), { body: { metadata: { annotations: { [annotation]: value } } }, contentType: "application/merge-patch+json" });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) throw new CliError(`ConfigMap ${namespace}/${statusConfigMapName} not found: is the Faultline manager running in namespace ${namespace} (--faultline-namespace), and is it leading?`);
    throw err;
  }
  return value;
}

/** Asks the leader for a fresh status and waits for it (updatedAt ≥ the request). */
export async function freshFaultlineStatus(kube: Kube, io: CliIo, namespace: string, timeoutMs: number): Promise<FaultlineStatus> {
  const requested = await annotateNow(kube, namespace, refreshRequestedAnnotation, io.now?.());
  let last: FaultlineStatus | undefined;
  return pollUntil(
    io,
    { timeoutMs, timeoutMessage: () => `the manager did not refresh ConfigMap ${namespace}/${statusConfigMapName} within ${timeoutMs / 1000}s (updatedAt ${last?.updatedAt ?? "unknown"}, requested ${requested}): is the manager running and leading?` },
    async () => {
      last = await readFaultlineStatus(kube, namespace);
      return Date.parse(last.updatedAt) >= Date.parse(requested) ? last : undefined;
    },
  );
}
