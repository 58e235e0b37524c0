import { parseContainerRecordId, parsePodRecordId } from "@faultline/api";
import type { PodSource } from "@faultline/selector";
import type { V1Pod } from "@kubernetes/client-node";
import { namespacedNameOf, type NamespacedObject } from "./namespaced-name.js";
import type { ChaosDaemonClient, DaemonClientPool } from "./daemon-client-pool.js";

/** Why a record could not be decoded into a target. */
export type RecordDecodeFailure =
  | "PodNotFound"
  | "PodNotScheduled"
  | "ContainerNotFound"
  | "ContainerNotStarted";

/** Thrown when a record's target cannot be reached: the pod is gone, unscheduled, or lacks the container. */
export class RecordDecodeError extends Error {
  override name = "RecordDecodeError";
  constructor(readonly reason: RecordDecodeFailure, readonly recordId: string, detail: string) {
    super(`record ${recordId}: ${detail}`);
  }
}

/** A pod record, decoded: the pod as the API server has it, its node, and that node's daemon. */
export interface DecodedPod {
  namespace: string;
  podName: string;
  pod: V1Pod;
  nodeName: string;
  daemon: ChaosDaemonClient;
}

/** A container record, decoded: the pod's facts plus the container's runtime id (`containerd://…`). */
export interface DecodedContainer extends DecodedPod {
  containerName: string;
  containerId: string;
}

/** Turns record ids into targets and daemon clients. */
export interface RecordDecoder {
  /** Decodes a pod record id `ns/name`. */
  decodePod(recordId: string, obj: NamespacedObject): Promise<DecodedPod>;
  /** Decodes a container record id `ns/pod/container`. */
  decodeContainer(recordId: string, obj: NamespacedObject): Promise<DecodedContainer>;
}

/**
 * Finds a container's runtime id in pod status (`containerStatuses[].containerID`, init and
 * ephemeral containers included). Throws {@link RecordDecodeError} when the pod has no such container
 * or it has not started yet.
 */
export function containerIdOf(pod: V1Pod, containerName: string, recordId: string): string {
  const declared = [
    ...(pod.spec?.containers ?? []),
    ...(pod.spec?.initContainers ?? []),
    ...(pod.spec?.ephemeralContainers ?? []),
  ].some((c) => c.name === containerName);
  const statuses = [
    ...(pod.status?.containerStatuses ?? []),
    ...(pod.status?.initContainerStatuses ?? []),
    ...(pod.status?.ephemeralContainerStatuses ?? []),
  ];
  const status = statuses.find((s) => s.name === containerName);
  if (!declared && !status) {
    const names = (pod.spec?.containers ?? []).map((c) => c.name).join(", ");
    throw new RecordDecodeError(
      "ContainerNotFound",
      recordId,
      `pod ${pod.metadata?.namespace}/${pod.metadata?.name} has no container ${containerName} (containers: ${names || "none"})`,
    );
  }
  if (!status?.containerID) {
    throw new RecordDecodeError(
      "ContainerNotStarted",
      recordId,
      `container ${containerName} has no containerID in pod status yet (not started)`,
    );
  }
  return status.containerID;
}

/**
 * Creates the decoder chaos kinds use in their impls: it reads the pod through `pods` (in the
 * manager, `createCachedPodSource` over its watch of every pod, so decoding costs no API call; a
 * container id the watch has not yet seen replaced fails at the daemon and the record is retried;
 * `createKubernetesPodSource(core)` reads the API server each time; in a unit test,
 * `createInMemoryPodSource({ pods })`), and picks the daemon client for its node.
 *
 * @example
 * const decoder = createRecordDecoder({ pods: createCachedPodSource(podStore, createKubernetesPodSource(core)), daemons: pool });
 * const { containerId, daemon } = await decoder.decodeContainer(records[index]!.id, obj);
 * await daemon.execHelloWorldChaos({ containerId });
 */
export function createRecordDecoder(options: { pods: Pick<PodSource, "readPod">; daemons: DaemonClientPool }): RecordDecoder {
  const readPod = async (recordId: string, namespace: string, podName: string) => {
    const pod = await options.pods.readPod(namespace, podName);
    if (!pod) throw new RecordDecodeError("PodNotFound", recordId, `pod ${namespace}/${podName} not found`);
    return pod;
  };
  const withDaemon = async (recordId: string, pod: V1Pod, obj: NamespacedObject) => {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      const { namespace, name } = pod.metadata ?? {};
      throw new RecordDecodeError("PodNotScheduled", recordId, `pod ${namespace}/${name} is not scheduled to a node`);
    }
    return { nodeName, daemon: await options.daemons.clientFor(nodeName, namespacedNameOf(obj)) };
  };
  return {
    async decodePod(recordId, obj) {
      const { namespace, podName } = parsePodRecordId(recordId);
      const pod = await readPod(recordId, namespace, podName);
      return { namespace, podName, pod, ...(await withDaemon(recordId, pod, obj)) };
    },
    async decodeContainer(recordId, obj) {
      const { namespace, podName, containerName } = parseContainerRecordId(recordId);
      const pod = await readPod(recordId, namespace, podName);
      const containerId = containerIdOf(pod, containerName, recordId);
      return { namespace, podName, pod, containerName, containerId, ...(await withDaemon(recordId, pod, obj)) };
    },
  };
}
