import { deepFreeze } from "@faultline/api";
import type { V1Container, V1ContainerStatus, V1EphemeralContainer, V1Pod } from "@kubernetes/client-node";

/**
 * A new object with the properties of `value` that are defined, in the order given. Built, not
 * trimmed with `delete`, which would leave V8 objects in dictionary mode (slower, and larger).
 */
function defined<T extends object>(value: T): T {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] !== undefined) out[key] = value[key];
  return out as T;
}

function slimContainer<C extends V1Container | V1EphemeralContainer>(container: C): C {
  return defined({ name: container.name, image: container.image, restartPolicy: container.restartPolicy } as C);
}

function slimContainerStatus(status: V1ContainerStatus): V1ContainerStatus {
  const { name, containerID, image, imageID, ready, started, restartCount } = status;
  return defined({ name, containerID, image, imageID, ready, started, restartCount });
}

/**
 * The parts of a pod that selection (`selectPods`, `selectContainers`, every field selector the API
 * server supports for pods), record decoders and the built-in kinds' use of a decoded pod read:
 * the whole `metadata` but `managedFields`; from `spec`, the node, the selectable fields and each
 * container's name, image and restart policy; from `status`, the phase, addresses, conditions and
 * each container's name, id, image, readiness and restarts. Meant as the `transform` of a watch of
 * every pod, so the manager's cache holds a fraction of each pod (no env, volumes, probes,
 * resources, managed fields). The slim pod is deep-frozen: the store it fills is read by selection
 * and decoders and changed by no one (freezing here, as the watch stores it, keeps that cost out of
 * selection).
 *
 * ```ts
 * new ResilientWatch<V1Pod>({ kubeConfig, group: "", version: "v1", plural: "pods", transform: slimPod, handler });
 * ```
 */
export function slimPod(pod: V1Pod): V1Pod {
  const { managedFields: _managedFields, ...metadata } = pod.metadata ?? {};
  const spec = pod.spec;
  const status = pod.status;
  return deepFreeze(defined({
    apiVersion: pod.apiVersion,
    kind: pod.kind,
    metadata,
    spec:
      spec &&
      defined({
        nodeName: spec.nodeName,
        restartPolicy: spec.restartPolicy,
        schedulerName: spec.schedulerName,
        serviceAccountName: spec.serviceAccountName,
        hostNetwork: spec.hostNetwork,
        containers: (spec.containers ?? []).map(slimContainer),
        initContainers: spec.initContainers?.map(slimContainer),
        ephemeralContainers: spec.ephemeralContainers?.map(slimContainer),
      }),
    status:
      status &&
      defined({
        phase: status.phase,
        podIP: status.podIP,
        podIPs: status.podIPs,
        hostIP: status.hostIP,
        hostIPs: status.hostIPs,
        nominatedNodeName: status.nominatedNodeName,
        conditions: status.conditions,
        containerStatuses: status.containerStatuses?.map(slimContainerStatus),
        initContainerStatuses: status.initContainerStatuses?.map(slimContainerStatus),
        ephemeralContainerStatuses: status.ephemeralContainerStatuses?.map(slimContainerStatus),
      }),
  }));
}
