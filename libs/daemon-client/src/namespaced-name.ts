import type { ChaosObjectMeta } from "@faultline/api";

/** What the daemon clients need of a chaos object: its namespace and name (any chaos object has them). */
export interface NamespacedObject {
  metadata: ChaosObjectMeta;
}

/**
 * `namespace/name` of a chaos object: the value a pooled client sends as the `namespaced-name`
 * request header (`namespacedNameHeader`, from `@faultline/api`) with every call made for it.
 *
 * @example
 * namespacedNameOf({ metadata: { namespace: "shop", name: "restart" } }) // "shop/restart"
 */
export function namespacedNameOf(obj: NamespacedObject): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}
