import type { V1Namespace } from "@kubernetes/client-node";

/** The annotation that opens a namespace to chaos when the namespace filter is on. */
export const injectAnnotation = "chaos-mesh.org/inject";

/** Whether the namespace filter lets chaos target a namespace: `chaos-mesh.org/inject: enabled`. */
export function isChaosEnabledNamespace(namespace: V1Namespace | undefined): boolean {
  return namespace?.metadata?.annotations?.[injectAnnotation] === "enabled";
}
