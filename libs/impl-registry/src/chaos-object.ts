import type { ChaosObjectMeta, ChaosStatus } from "@faultline/api";

/**
 * Any chaos-mesh.org/v1alpha1 object, as the manager reads it: metadata, a kind-specific spec and
 * the status every kind shares. Each kind narrows `spec` with its own type.
 */
export interface ChaosObject<Spec = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ChaosObjectMeta;
  spec: Spec;
  status?: ChaosStatus;
}

/** `namespace/name` of a chaos object, the value the daemon receives as `namespaced-name`. */
export function namespacedNameOf(obj: { metadata: ChaosObjectMeta }): string {
  return `${obj.metadata.namespace ?? ""}/${obj.metadata.name ?? ""}`;
}
