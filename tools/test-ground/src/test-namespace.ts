import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { apiRequest } from "./api-request.js";
import {
  describeObject,
  listObjects,
  namespacedResources,
  objectsInNamespace,
  resourcePath,
  type ListedObject,
  type NamespacedResource,
} from "./api-resources.js";

const chaosGroupVersion = "chaos-mesh.org/v1alpha1";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const path = (namespace: string) => `/api/v1/namespaces/${encodeURIComponent(namespace)}`;

/** The chaos-mesh.org resource types the API server serves now (none when their CRDs are not installed). */
async function chaosResources(kubeConfig: KubeConfig): Promise<NamespacedResource[]> {
  const res = await apiRequest(kubeConfig, "GET", `/apis/${chaosGroupVersion}`);
  if (res.status === 404) return [];
  if (res.status !== 200) throw new Error(`discovery /apis/${chaosGroupVersion}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const resources = (res.body as { resources?: { name: string; namespaced: boolean; verbs?: string[] }[] }).resources ?? [];
  return resources
    .filter((r) => r.namespaced && !r.name.includes("/"))
    .map((r) => ({ groupVersion: chaosGroupVersion, resource: r.name, verbs: r.verbs ?? [] }));
}

async function chaosObjects(kubeConfig: KubeConfig, namespace: string): Promise<ListedObject[]> {
  const types = await chaosResources(kubeConfig);
  return (await Promise.all(types.map((r) => listObjects(kubeConfig, r, namespace)))).flat();
}

async function deleteObject(kubeConfig: KubeConfig, o: ListedObject): Promise<void> {
  const res = await apiRequest(kubeConfig, "DELETE", `${resourcePath(o, o.namespace)}/${encodeURIComponent(o.name)}`);
  if (res.status >= 300 && res.status !== 404) throw new Error(`delete ${describeObject(o)}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Deletes every chaos object (every chaos-mesh.org resource: chaos kinds, Schedules, Workflows and
 * their nodes, StatusChecks, RecordShards) of a namespace and waits until they are gone, deleting
 * again what appears meanwhile (a Schedule's or Workflow's children). Call it while the manager
 * runs: the manager recovers each object's faults and then removes its finalizer. Throws after
 * `timeoutMs`, naming the objects left and their finalizers.
 */
export async function deleteChaosObjects(kubeConfig: KubeConfig, namespace: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const left = await chaosObjects(kubeConfig, namespace);
    if (left.length === 0) return;
    await Promise.all(left.filter((o) => !o.deleting).map((o) => deleteObject(kubeConfig, o)));
    if (Date.now() > deadline) {
      const named = left.map((o) => `${describeObject(o)} (finalizers ${JSON.stringify(o.finalizers)})`).join(", ");
      throw new Error(`chaos objects of namespace ${namespace} still there after ${options.timeoutMs ?? 60_000} ms: ${named}`);
    }
    await sleep(250);
  }
}

/** Deletes the chaos objects a manager that is gone still holds, by clearing their finalizers after deleting them. */
async function dropChaosObjects(kubeConfig: KubeConfig, namespace: string): Promise<void> {
  for (let round = 0; ; round++) {
    const left = await chaosObjects(kubeConfig, namespace);
    if (left.length === 0) return;
    if (round === 20) throw new Error(`chaos objects of namespace ${namespace} survive deletion: ${left.map(describeObject).join(", ")}`);
    await Promise.all(
      left.map(async (o) => {
        if (!o.deleting) await deleteObject(kubeConfig, o);
        if (o.finalizers.length === 0 && !o.deleting) return;
        const res = await apiRequest(kubeConfig, "PATCH", `${resourcePath(o, o.namespace)}/${encodeURIComponent(o.name)}`, {
          body: { metadata: { finalizers: null } },
          contentType: "application/merge-patch+json",
        });
        if (res.status >= 300 && res.status !== 404) throw new Error(`clear the finalizers of ${describeObject(o)}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      }),
    );
    await sleep(100);
  }
}

/** Deletes every object of a (terminating) namespace the API lets us delete by collection, pods without grace. */
async function deleteContent(kubeConfig: KubeConfig, namespace: string, resources: NamespacedResource[]): Promise<void> {
  await Promise.all(
    resources
      .filter((r) => r.verbs.includes("deletecollection"))
      .map(async (r) => {
        // as query parameters: a DeleteOptions body is not read for a collection (a pod keeps its 30 s)
        const res = await apiRequest(kubeConfig, "DELETE", `${resourcePath(r, namespace)}?gracePeriodSeconds=0&propagationPolicy=Background`);
        if (res.status >= 300 && res.status !== 404 && res.status !== 405) {
          throw new Error(`delete the ${r.resource} of namespace ${namespace}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
        }
      }),
  );
}

interface NamespaceState {
  phase?: string;
  deleting: boolean;
  conditions: { type: string; status: string; message?: string }[];
}

async function readNamespace(kubeConfig: KubeConfig, name: string): Promise<NamespaceState | undefined> {
  const res = await apiRequest(kubeConfig, "GET", path(name));
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`read namespace ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return { phase: res.body.status?.phase, deleting: Boolean(res.body.metadata?.deletionTimestamp), conditions: res.body.status?.conditions ?? [] };
}

/** How long a namespace with no content and no condition may stay before it counts as having no namespace controller. */
const noControllerAfterMs = 5_000;

/**
 * Deletes a test namespace and everything in it, and waits until the namespace is gone, so that a
 * later test (or a later manager, which watches every namespace) finds nothing of it and the name
 * can be used again. Never forces the namespace's own finalizer: a namespace made to vanish
 * before it is empty leaves its objects in etcd, where they collide with the next objects of the
 * same name.
 *
 * 1. Chaos objects are deleted first, and their finalizers cleared: the caller's manager is
 *    stopped by now (its pods go with the namespace, and their faults with them). A caller whose
 *    manager must recover what it injected calls {@link deleteChaosObjects} before stopping it.
 * 2. The namespace is deleted (from then on nothing can be created in it: a ReplicaSet cannot
 *    replace the pods deleted next), then every object of every namespaced type is deleted by
 *    collection, pods without grace (a simulated node has no kubelet to confirm their end).
 * 3. The kube-controller-manager's namespace controller removes the namespace once it is empty.
 *    A cluster without one (the local cluster's api-only mode: the namespace had no "default"
 *    ServiceAccount, which the controller-manager creates) never removes it: when the namespace is
 *    still there after 5 s with no content and no condition of that controller, it is left
 *    Terminating and empty (nothing in it, nothing can enter it; it goes once the cluster runs the
 *    controller).
 *
 * Throws after `timeoutMs` (default 45 s), naming the namespace's conditions and what is left.
 */
export async function deleteTestNamespace(kubeConfig: KubeConfig, name: string, options: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const started = Date.now();
  if (!(await readNamespace(kubeConfig, name))) return;
  const resources = await namespacedResources(kubeConfig);
  // a kube-controller-manager gives every namespace a "default" ServiceAccount: its namespace
  // controller runs too, and the namespace is waited for until it is gone (or timeoutMs)
  const controllerSeen = (await apiRequest(kubeConfig, "GET", `${path(name)}/serviceaccounts/default`)).status === 200;
  await dropChaosObjects(kubeConfig, name);
  const res = await apiRequest(kubeConfig, "DELETE", path(name));
  if (res.status >= 300 && res.status !== 404 && res.status !== 409) throw new Error(`delete namespace ${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  await deleteContent(kubeConfig, name, resources);
  for (let round = 1; ; round++) {
    const ns = await readNamespace(kubeConfig, name);
    if (!ns) return;
    const elapsed = Date.now() - started;
    if (!controllerSeen && elapsed > noControllerAfterMs && ns.conditions.length === 0) {
      const left = await objectsInNamespace(kubeConfig, name, resources);
      if (left.length === 0) return; // no namespace controller: left Terminating and empty
    }
    if (elapsed > timeoutMs) {
      const left = await objectsInNamespace(kubeConfig, name, resources);
      const conditions = ns.conditions.filter((c) => c.status === "True").map((c) => `${c.type}: ${c.message ?? ""}`);
      throw new Error(
        `namespace ${name} still ${ns.phase ?? "there"} after ${timeoutMs} ms; conditions: ${conditions.join("; ") || "none"}; ` +
          `left: ${left.map((o) => `${describeObject(o)}${o.finalizers.length ? ` (finalizers ${JSON.stringify(o.finalizers)})` : ""}`).join(", ") || "nothing"}`,
      );
    }
    // what a controller created before the namespace was terminating, once more
    if (round % 10 === 0) await deleteContent(kubeConfig, name, resources);
    await sleep(200);
  }
}

/** Creates a namespace with a unique name (`<prefix>-<6 random>`); `remove()` is {@link deleteTestNamespace}. */
export async function createTestNamespace(kubeConfig: KubeConfig, prefix: string): Promise<{ name: string; remove(): Promise<void> }> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return { name, remove: () => deleteTestNamespace(kubeConfig, name) };
}
