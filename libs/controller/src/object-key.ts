/**
 * What a reconciler is asked to look at: a namespaced object's namespace and name (namespace
 * `""` for a cluster-scoped object) — controller-runtime's `reconcile.Request`.
 */
export interface ObjectKey {
  namespace: string;
  name: string;
}

/**
 * The key as `namespace/name` (or `name` for a cluster-scoped object): the string a work queue
 * uses to tell keys apart, and what logs print.
 */
export function objectKeyString(key: ObjectKey): string {
  return key.namespace ? `${key.namespace}/${key.name}` : key.name;
}

/** The key of a Kubernetes object, from its metadata. */
export function objectKeyOf(object: { metadata?: { namespace?: string; name?: string } }): ObjectKey {
  return { namespace: object.metadata?.namespace ?? "", name: object.metadata?.name ?? "" };
}
