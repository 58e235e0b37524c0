// What the manager hands every kind's `manager` factory: the decoder, clients, and the shared caches.
import { kindNameOf, type ChaosKindDefinition } from "@faultline/chaos-kind";
import type { EventRecorder, Informer, InformerSet, Logger } from "@faultline/controller";
import { createRecordDecoder, type DaemonClientPool } from "@faultline/daemon-client";
import type { ChaosObject, ManagerKindDeps } from "@faultline/impl-registry";
import { createExperimentIndex, recordShardResource, type RecordShard } from "@faultline/records";
import type { PodSource } from "@faultline/selector";
import type { CoreV1Api, CustomObjectsApi, V1Pod } from "@kubernetes/client-node";

/**
 * The kinds' dependencies. Kinds read a pod to patch it (pod-failure) as it is now (`pods`), never
 * the cache's copy, which may not have seen the kind's own last patch yet; kinds that compose with
 * other experiments (NetworkChaos) read them from the same caches as the controllers: the informer of
 * each kind and of RecordShards, indexed by the pods their records name (`experiments`).
 */
export function createManagerKindDeps(deps: {
  kinds: readonly ChaosKindDefinition[];
  informers: InformerSet;
  podCache: Informer<V1Pod>;
  /** Pods through the cache (selection, decoding). */
  pods: PodSource;
  /** Pods read from the API server now. */
  podsNow: PodSource;
  daemons: DaemonClientPool;
  core: CoreV1Api;
  customObjects: CustomObjectsApi;
  settings: { readonly [name: string]: string | undefined };
  logger: Logger;
  events: EventRecorder;
}): ManagerKindDeps {
  const { informers, podCache, podsNow, events, logger } = deps;
  const experiments = createExperimentIndex({
    kinds: new Map(deps.kinds.map((k) => [kindNameOf(k), informers.informer<ChaosObject>({ group: k.crd.spec.group, version: k.crd.spec.versions[0]!.name, plural: k.crd.spec.names.plural })])),
    shards: informers.informer<RecordShard>(recordShardResource),
  });
  return {
    decoder: createRecordDecoder({ pods: deps.pods, daemons: deps.daemons }),
    experiments,
    podCache: {
      get: (namespace: string, name: string) => podCache.get({ namespace, name }),
      getAtLeast: (namespace: string, name: string, resourceVersion: string) => podCache.getAtLeast({ namespace, name }, resourceVersion, () => podsNow.readPod(namespace, name)),
    },
    pods: podsNow,
    core: deps.core,
    customObjects: deps.customObjects,
    settings: deps.settings,
    log: (message: string, fields: { [key: string]: unknown }) => logger.info(message, fields),
    event: (obj: ChaosObject, type: "Normal" | "Warning", reason: string, message: string) => events.record(obj, { type, reason, message }),
  };
}
