import type { V1Namespace, V1Node, V1Pod } from "@kubernetes/client-node";
import { matchesPodFields } from "./field-selector.js";
import { checkLabelSelector, matchesLabelSelector } from "./label-selector.js";
import type { PodQuery, PodSource } from "./pod-source.js";

/** The objects an in-memory PodSource holds. */
export interface InMemoryObjects {
  pods?: readonly V1Pod[];
  nodes?: readonly V1Node[];
  namespaces?: readonly V1Namespace[];
}

/**
 * A PodSource over fixed objects, answering queries as the API server would (label and field
 * selectors included). For selecting from a snapshot such as an informer's cache, and for tests.
 */
export function createInMemoryPodSource(objects: InMemoryObjects): PodSource {
  const { pods = [], nodes = [], namespaces = [] } = objects;
  return {
    async listPods(query: PodQuery): Promise<V1Pod[]> {
      if (query.labelSelector) checkLabelSelector(query.labelSelector);
      return pods.filter(
        (pod) =>
          pod.metadata?.namespace === query.namespace &&
          (!query.labelSelector || matchesLabelSelector(pod.metadata?.labels, query.labelSelector)) &&
          (!query.fieldSelector || matchesPodFields(pod, query.fieldSelector)),
      );
    },
    async readPod(namespace: string, name: string): Promise<V1Pod | undefined> {
      return pods.find((pod) => pod.metadata?.namespace === namespace && pod.metadata?.name === name);
    },
    async listNodes(labels: Readonly<Record<string, string>>): Promise<V1Node[]> {
      return nodes.filter((node) => matchesLabelSelector(node.metadata?.labels, { matchLabels: labels }));
    },
    async getNamespace(name: string): Promise<V1Namespace | undefined> {
      return namespaces.find((namespace) => namespace.metadata?.name === name);
    },
  };
}
