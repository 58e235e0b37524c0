// The manager's published status: ConfigMap `faultline-status` (key status.json) in its namespace,
// written by the leader every 30 s and when its refresh annotation changes. doctor and
// recover --orphans read it; they ask for a fresh one first and wait for updatedAt ≥ the request.
import { faultlineStatusConfigMap, statusRefreshRequestedAnnotation, sweepRequestedAnnotation, type FaultlineStatus } from "@faultline/api";
import { CliError, type CliIo } from "./cli-io.js";
import { parseStatusConfigMap } from "./faultline-status-parse.js";
import { ApiError, type Kube } from "./kube.js";
import { nowSeconds, pollUntil } from "./wait.js";

export const statusConfigMapName = faultlineStatusConfigMap;
export { sweepRequestedAnnotation, type FaultlineStatus };

interface ConfigMap {
  metadata: { annotations?: { [k: string]: string } };
  data?: { [k: string]: string };
}

const path = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps/${statusConfigMapName}`;
const access = (verb: string, namespace: string) => ({ verb, resource: "configmaps", group: "", namespace, name: statusConfigMapName });

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
  const requested = await annotateNow(kube, namespace, statusRefreshRequestedAnnotation, io.now?.());
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
