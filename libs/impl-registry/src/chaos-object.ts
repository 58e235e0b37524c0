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

