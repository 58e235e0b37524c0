import type { KubeConfig } from "@kubernetes/client-node";
import { apiRequest } from "./api-request.js";

/** A namespaced resource type the API server serves, with the path its objects live under. */
export interface NamespacedResource {
  /** `v1` for the core group, `<group>/<version>` otherwise. */
  groupVersion: string;
  /** The plural resource name (`pods`, `deployments`, `podchaos`). */
  resource: string;
  verbs: string[];
}

/** One object, as its type, namespace and name. */
export interface ObjectRef {
  groupVersion: string;
  resource: string;
  namespace: string;
  name: string;
}

/** An object as a list answers it: with whether it is being deleted and what holds its deletion. */
export interface ListedObject extends ObjectRef {
  deleting: boolean;
  finalizers: string[];
}

/** The shape of an aggregated discovery document (`apidiscovery.k8s.io/v2`, APIGroupDiscoveryList), the parts read here. */
interface AggregatedDiscovery {
  kind?: string;
  items?: { metadata?: { name?: string }; versions?: { version: string; resources?: { resource: string; scope: string; verbs?: string[] }[] }[] }[];
}

const aggregatedDiscovery = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/**
 * The namespaced resource types of aggregated discovery documents (what `/api` and `/apis` answer),
 * in each group's preferred version only (the first listed), so an object is never counted twice
 * under two versions of one group.
 */
export function namespacedResourcesOf(documents: readonly unknown[]): NamespacedResource[] {
  const resources: NamespacedResource[] = [];
  for (const document of documents as AggregatedDiscovery[]) {
    if (document.kind !== "APIGroupDiscoveryList" || !Array.isArray(document.items)) {
      throw new Error(`expected an aggregated discovery document (kind APIGroupDiscoveryList), got kind ${JSON.stringify(document.kind)}`);
    }
    for (const group of document.items) {
      const preferred = group.versions?.[0];
      if (!preferred) continue;
      const groupName = group.metadata?.name ?? "";
      const groupVersion = groupName === "" ? preferred.version : `${groupName}/${preferred.version}`;
      for (const r of preferred.resources ?? []) {
        if (r.scope === "Namespaced") resources.push({ groupVersion, resource: r.resource, verbs: r.verbs ?? [] });
      }
    }
  }
  return resources;
}

/** The URL path of a resource type, in one namespace or (without one) across all of them. */
export function resourcePath(r: Pick<NamespacedResource, "groupVersion" | "resource">, namespace?: string): string {
  const base = r.groupVersion.includes("/") ? `/apis/${r.groupVersion}` : `/api/${r.groupVersion}`;
  return namespace === undefined ? `${base}/${r.resource}` : `${base}/namespaces/${encodeURIComponent(namespace)}/${r.resource}`;
}

/** Every namespaced resource type the API server serves (aggregated discovery: two requests). */
export async function namespacedResources(kubeConfig: KubeConfig): Promise<NamespacedResource[]> {
  const documents = await Promise.all(
    ["/api", "/apis"].map(async (path) => {
      const res = await apiRequest(kubeConfig, "GET", path, { accept: aggregatedDiscovery });
      if (res.status !== 200) throw new Error(`discovery ${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      return res.body as unknown;
    }),
  );
  return namespacedResourcesOf(documents);
}

const metadataOnly = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";

/** The objects of one resource type (in one namespace, or in all), by metadata only, page by page. */
export async function listObjects(kubeConfig: KubeConfig, r: NamespacedResource, namespace?: string): Promise<ListedObject[]> {
  const refs: ListedObject[] = [];
  let continueToken = "";
  do {
    const query = `?limit=500${continueToken ? `&continue=${encodeURIComponent(continueToken)}` : ""}`;
    const res = await apiRequest(kubeConfig, "GET", resourcePath(r, namespace) + query, { accept: metadataOnly });
    if (res.status === 404 && namespace !== undefined) return refs;
    if (res.status !== 200) throw new Error(`list ${resourcePath(r, namespace)}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    const body = res.body as {
      items?: { metadata?: { namespace?: string; name?: string; deletionTimestamp?: string; finalizers?: string[] } }[];
      metadata?: { continue?: string };
    };
    for (const { metadata: m = {} } of body.items ?? []) {
      refs.push({
        groupVersion: r.groupVersion,
        resource: r.resource,
        namespace: m.namespace ?? "",
        name: m.name ?? "",
        deleting: Boolean(m.deletionTimestamp),
        finalizers: m.finalizers ?? [],
      });
    }
    continueToken = body.metadata?.continue ?? "";
  } while (continueToken);
  return refs;
}

/** Every object of one namespace, over every namespaced type the API serves and can list. */
export async function objectsInNamespace(kubeConfig: KubeConfig, namespace: string, resources?: NamespacedResource[]): Promise<ListedObject[]> {
  const types = (resources ?? (await namespacedResources(kubeConfig))).filter((r) => r.verbs.includes("list"));
  return (await Promise.all(types.map((r) => listObjects(kubeConfig, r, namespace)))).flat();
}

/**
 * Objects stored in a namespace that does not exist: what a namespace leaves behind when it is made
 * to vanish before it was emptied (its finalizer forced away). Lists every namespaced type across
 * all namespaces, then the namespaces, and reads each suspect again, so an object deleted (with its
 * namespace) while this lists is not reported.
 */
export async function objectsWithoutNamespace(kubeConfig: KubeConfig): Promise<ObjectRef[]> {
  const types = (await namespacedResources(kubeConfig)).filter((r) => r.verbs.includes("list"));
  const objects = (await Promise.all(types.map((r) => listObjects(kubeConfig, r)))).flat();
  const namespaces = new Set((await apiRequest(kubeConfig, "GET", "/api/v1/namespaces", { accept: metadataOnly })).body.items.map(
    (n: { metadata: { name: string } }) => n.metadata.name,
  ));
  const suspects = objects.filter((o) => !namespaces.has(o.namespace));
  const orphans: ObjectRef[] = [];
  for (const o of suspects) {
    const namespaceGone = (await apiRequest(kubeConfig, "GET", `/api/v1/namespaces/${encodeURIComponent(o.namespace)}`)).status === 404;
    const objectThere = (await apiRequest(kubeConfig, "GET", `${resourcePath(o, o.namespace)}/${encodeURIComponent(o.name)}`)).status === 200;
    if (namespaceGone && objectThere) orphans.push(o);
  }
  return orphans;
}

/** `deployments.apps busybox/web` — how an ObjectRef is named in messages. */
export function describeObject(o: ObjectRef): string {
  const group = o.groupVersion.includes("/") ? `.${o.groupVersion.split("/")[0]}` : "";
  return `${o.resource}${group} ${o.namespace}/${o.name}`;
}
