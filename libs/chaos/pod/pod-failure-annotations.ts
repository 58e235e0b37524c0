import type { V1Container, V1Pod } from "@kubernetes/client-node";

/**
 * pod-failure keeps each container's original image on the pod itself, so whichever manager
 * replica recovers (after a restart, or a new leader) finds it there. One annotation per container:
 * `pod-failure.chaos-mesh.org/<container>` (init containers: `pod-failure-init.chaos-mesh.org/`),
 * whose value names the original image and every PodChaos (by uid) failing the container now; the
 * image comes back when the last of them recovers, so several pod-failures on one pod compose.
 */
export interface PodFailureMark {
  image: string;
  /** The uids of the PodChaos objects that hold the container on the pause image. */
  by: string[];
}

export type ContainerList = "containers" | "initContainers";

/** The annotation key for one container. */
export function podFailureAnnotationKey(list: ContainerList, containerName: string): string {
  return `${list === "containers" ? "pod-failure" : "pod-failure-init"}.chaos-mesh.org/${containerName}`;
}

/** The mark on `pod` for a container, or undefined; a value that is not a mark is an error. */
export function readPodFailureMark(pod: V1Pod, key: string): PodFailureMark | undefined {
  const value = pod.metadata?.annotations?.[key];
  if (value === undefined) return undefined;
  let mark: unknown;
  try {
    mark = JSON.parse(value);
  } catch {
    throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: annotation ${key} is not a pod-failure mark: ${value.slice(0, 100)}`);
  }
  const m = mark as Partial<PodFailureMark>;
  if (typeof m.image !== "string" || !Array.isArray(m.by) || !m.by.every((uid) => typeof uid === "string")) {
    throw new Error(`pod ${pod.metadata?.namespace}/${pod.metadata?.name}: annotation ${key} is not a pod-failure mark: ${value.slice(0, 100)}`);
  }
  return { image: m.image, by: m.by };
}

/** Every container and init container of the pod, with the list it is in and its index there. */
export function podContainers(pod: V1Pod): { list: ContainerList; index: number; container: V1Container }[] {
  return [
    ...(pod.spec?.containers ?? []).map((container, index) => ({ list: "containers" as const, index, container })),
    ...(pod.spec?.initContainers ?? []).map((container, index) => ({ list: "initContainers" as const, index, container })),
  ];
}
