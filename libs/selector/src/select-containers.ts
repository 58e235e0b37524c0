import type { V1Container, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";
import { containerRecordId } from "@faultline/api";
import { SelectorError, type MissingContainer } from "./selector-error.js";

/** One selected container: what a container record needs to reach it. */
export interface ContainerTarget {
  /** `namespace/pod/container`. */
  recordId: string;
  namespace: string;
  podName: string;
  podUid: string | undefined;
  containerName: string;
  /** From the pod's status (`containerd://…`); undefined until the container has started. */
  containerId: string | undefined;
  /** The node the pod runs on; undefined while it is unscheduled. */
  nodeName: string | undefined;
}

/** Sidecars: init containers that keep running (restartPolicy Always) can be targeted by name. */
function isSidecar(container: V1Container): boolean {
  return container.restartPolicy === "Always";
}

function statusOf(pod: V1Pod, name: string): V1ContainerStatus | undefined {
  const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  return statuses.find((status) => status.name === name);
}

/**
 * The containers of the selected pods (ContainerSelector's `containerNames`): each pod's first
 * container when `containerNames` is empty, otherwise every named container of every pod,
 * including sidecar init containers. A name missing from any pod is an error: the SelectorError
 * (ContainerNotFound) lists every missing pod and container.
 *
 * ```ts
 * selectContainers(pods, ["nginx"]); // [{ recordId: "shop/web-0/nginx", containerId: "containerd://…", … }]
 * ```
 */
export function selectContainers(pods: readonly V1Pod[], containerNames: readonly string[] | undefined): ContainerTarget[] {
  const targets: ContainerTarget[] = [];
  const missing: MissingContainer[] = [];
  for (const pod of pods) {
    const namespace = pod.metadata?.namespace ?? "";
    const podName = pod.metadata?.name ?? "";
    const containers = pod.spec?.containers ?? [];
    const candidates = [...containers, ...(pod.spec?.initContainers ?? []).filter(isSidecar)];
    const names = containerNames?.length ? [...new Set(containerNames)] : containers.slice(0, 1).map((c) => c.name);
    for (const containerName of names) {
      if (!candidates.some((container) => container.name === containerName)) {
        missing.push({ namespace, podName, containerName });
        continue;
      }
      targets.push({
        recordId: containerRecordId(namespace, podName, containerName),
        namespace,
        podName,
        podUid: pod.metadata?.uid,
        containerName,
        containerId: statusOf(pod, containerName)?.containerID || undefined,
        nodeName: pod.spec?.nodeName || undefined,
      });
    }
  }
  if (missing.length > 0) {
    const list = missing.map((m) => `container ${JSON.stringify(m.containerName)} in pod ${m.namespace}/${m.podName}`);
    throw new SelectorError("ContainerNotFound", `not found: ${list.join("; ")}`, { missingContainers: missing });
  }
  return targets;
}
