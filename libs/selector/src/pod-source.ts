import type { V1Namespace, V1Node, V1Pod } from "@kubernetes/client-node";
import type { LabelSelector } from "./label-selector.js";

/** One list call: the pods of a namespace that match label and field selectors. */
export interface PodQuery {
  namespace: string;
  /** Evaluated by the API server (the `labelSelector` parameter). */
  labelSelector?: LabelSelector;
  /** Equality field selectors, evaluated by the API server (the `fieldSelector` parameter). */
  fieldSelector?: Readonly<Record<string, string>>;
}

/**
 * The one way Faultline reads pods (and the nodes and namespaces selection needs): selection lists
 * through it, and record decoders (`@faultline/daemon-client`) read a record's pod through its
 * `readPod`. `createKubernetesPodSource` reads the API server through the client it is given;
 * `createCachedPodSource` reads a watch's store of every pod (and the API server for what the store
 * cannot answer); `createInMemoryPodSource` reads fixed objects (a snapshot, or a test's fixtures).
 */
export interface PodSource {
  listPods(query: PodQuery): Promise<V1Pod[]>;
  /**
   * The pod, or undefined when it does not exist. The Kubernetes source reads the API server now;
   * the cached source answers from its watch (as fresh as the watch) and reads the API server for a
   * pod the watch has not seen.
   */
  readPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  /** The nodes whose labels include every label given. */
  listNodes(labels: Readonly<Record<string, string>>): Promise<V1Node[]>;
  /** The namespace, or undefined when it does not exist. */
  getNamespace(name: string): Promise<V1Namespace | undefined>;
}
