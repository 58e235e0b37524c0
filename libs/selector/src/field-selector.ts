import type { V1Pod } from "@kubernetes/client-node";
import { SelectorError } from "./selector-error.js";

/** The pod fields the API server can select on, and how to read each from a pod. */
const podFields: Readonly<Record<string, (pod: V1Pod) => string | undefined>> = {
  "metadata.name": (pod) => pod.metadata?.name,
  "metadata.namespace": (pod) => pod.metadata?.namespace,
  "spec.nodeName": (pod) => pod.spec?.nodeName,
  "spec.restartPolicy": (pod) => pod.spec?.restartPolicy,
  "spec.schedulerName": (pod) => pod.spec?.schedulerName,
  "spec.serviceAccountName": (pod) => pod.spec?.serviceAccountName,
  "spec.hostNetwork": (pod) => String(pod.spec?.hostNetwork ?? false),
  "status.phase": (pod) => pod.status?.phase,
  "status.podIP": (pod) => pod.status?.podIP,
  "status.nominatedNodeName": (pod) => pod.status?.nominatedNodeName,
};

/** The pod fields `fieldSelectors` may name (the ones the API server supports for pods). */
export const selectablePodFields: readonly string[] = Object.keys(podFields);

function escapeValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/**
 * Equality field selectors in the API server's query syntax (the `fieldSelector` parameter).
 *
 * ```ts
 * formatFieldSelector({ "spec.nodeName": "node-1", "status.phase": "Running" });
 * // "spec.nodeName=node-1,status.phase=Running"
 * ```
 */
export function formatFieldSelector(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([field, value]) => `${field}=${escapeValue(value)}`)
    .join(",");
}

/**
 * Whether a pod matches equality field selectors, as the API server decides it. Throws a
 * SelectorError for a field the API server cannot select pods on.
 */
export function matchesPodFields(pod: V1Pod, fields: Readonly<Record<string, string>>): boolean {
  return Object.entries(fields).every(([field, value]) => {
    const read = podFields[field];
    if (!read) {
      throw new SelectorError(
        "InvalidSelector",
        `fieldSelectors: pods cannot be selected by ${JSON.stringify(field)}; use one of ${selectablePodFields.join(", ")}`,
      );
    }
    return (read(pod) ?? "") === value;
  });
}
