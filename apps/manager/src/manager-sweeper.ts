// The leader's sweep of injections whose experiment went without recovering them.
import type { EventRecorder, Informer } from "@faultline/controller";
import type { DaemonClientPool } from "@faultline/daemon-client";
import type { ChaosKindRegistry, ChaosObject } from "@faultline/impl-registry";
import { createInjectionSweeper, type ChaosObjectClient, type InjectionSweeper } from "@faultline/records";
import type { CoreV1Api, CustomObjectsApi, V1Pod } from "@kubernetes/client-node";
import type { Registry } from "prom-client";
import type winston from "winston";

/**
 * Injections whose experiment went without recovering them (a finalizer removed by hand): found
 * from their markers and recovered by the leader (`run` on start and every
 * --sweep-interval-seconds). Pods come from the pod cache once it has listed, else from the API server.
 */
export function createManagerSweeper(deps: {
  kinds: ChaosKindRegistry;
  objects: ChaosObjectClient;
  customObjects: CustomObjectsApi;
  core: CoreV1Api;
  podCache: Informer<V1Pod>;
  daemons: DaemonClientPool;
  events: EventRecorder;
  registry: Registry;
  logger: winston.Logger;
}): InjectionSweeper {
  const { customObjects, core, podCache, logger } = deps;
  return createInjectionSweeper({
    kinds: deps.kinds,
    objects: deps.objects,
    listObjects: async (resource) => ((await customObjects.listClusterCustomObject(resource)) as { items: ChaosObject[] }).items,
    listPods: async () => (podCache.hasSynced ? podCache.list() : (await core.listPodForAllNamespaces()).items),
    daemons: deps.daemons,
    events: deps.events,
    registry: deps.registry,
    log: (level, message, fields) => logger.log(level, message, fields),
  });
}
