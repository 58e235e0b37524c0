import type { V1Pod } from "@kubernetes/client-node";
import { deepFreeze } from "@faultline/api";
import { matchesPodFields, selectablePodFields } from "./field-selector.js";
import { checkLabelSelector, matchesLabelSelector } from "./label-selector.js";
import type { PodQuery, PodSource } from "./pod-source.js";

/**
 * Pods kept up to date by a watch of every namespace: what {@link createCachedPodSource} reads.
 * `ResilientWatch<V1Pod>` of `@faultline/controller` (group "", plural "pods") is one.
 */
export interface PodStore {
  /** Whether the store has listed every pod once; until then the source asks the API server. */
  readonly hasSynced: boolean;
  get(key: { namespace: string; name: string }): V1Pod | undefined;
  /** Every pod known now. */
  list(): V1Pod[];
}

const locallySelectable = new Set(selectablePodFields);


const byName = (a: V1Pod, b: V1Pod): number => {
  const x = a.metadata?.name ?? "";
  const y = b.metadata?.name ?? "";
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * A PodSource that answers from a watch's store of pods, so selection and record decoding cost no
 * API call, and falls back to `api` (the Kubernetes PodSource) where the store cannot answer as the
 * API server would:
 * - `listPods` evaluates the label selector and the equality field selectors the API server
 *   supports for pods (`selectablePodFields`) on the store, sorted by name as the API server lists;
 *   a query naming any other field, or one made before the store has synced, goes to `api`;
 * - `readPod` answers from the store, and reads through `api` (one request) a pod it does not
 *   hold: not seen yet, or the store not synced;
 * - `listNodes` and `getNamespace` are `api`'s.
 * A pod from the store is as fresh as the watch (typically well under a second behind the API
 * server). Pods it returns are the store's own objects, deep-frozen, so callers cannot change the
 * store: `slimPod` freezes each pod as the watch stores it, and a pod stored unfrozen is frozen on
 * its first read. Freezing once costs less than copying on every read (over 5,000 pods a copy of
 * the selection took about twice the selection itself: tools/bench/selection-scale.mjs).
 *
 * ```ts
 * const watch = new ResilientWatch<V1Pod>({ kubeConfig, group: "", version: "v1", plural: "pods", transform: slimPod, handler: () => {} });
 * await watch.start();
 * const pods = createCachedPodSource(watch, createKubernetesPodSource(core));
 * ```
 */
export function createCachedPodSource(store: PodStore, api: PodSource): PodSource {
  return {
    async listPods(query: PodQuery): Promise<V1Pod[]> {
      const fields = query.fieldSelector ?? {};
      if (!store.hasSynced || Object.keys(fields).some((field) => !locallySelectable.has(field))) return api.listPods(query);
      const labels = query.labelSelector;
      if (labels) checkLabelSelector(labels);
      const matched: V1Pod[] = [];
      for (const pod of store.list()) {
        if (
          pod.metadata?.namespace === query.namespace &&
          (!labels || matchesLabelSelector(pod.metadata?.labels, labels)) &&
          matchesPodFields(pod, fields)
        ) {
          matched.push(deepFreeze(pod));
        }
      }
      return matched.sort(byName);
    },
    async readPod(namespace: string, name: string): Promise<V1Pod | undefined> {
      const pod = store.hasSynced ? store.get({ namespace, name }) : undefined;
      return pod ? deepFreeze(pod) : api.readPod(namespace, name);
    },
    listNodes: (labels) => api.listNodes(labels),
    getNamespace: (name) => api.getNamespace(name),
  };
}
