// The records pipeline serving NetworkChaos alone, on the real API server, with the daemon calls
// going to whatever pool a test gives (in-memory daemons, or the real handlers called in process):
// what the network integration specs run instead of a whole manager.
import { managerChaosKind } from "@faultline/chaos-kind";
import { ChaosKindRegistry, createRecordDecoder, type DaemonClientPool } from "@faultline/impl-registry";
import { createKubernetesChaosObjectClient, createKubernetesEventRecorder, createRecordsReconciler, createTargetSelector } from "@faultline/records";
import { createKubernetesPodSource } from "@faultline/selector";
import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { networkChaos } from "./network-chaos.js";

/** A records reconciler for NetworkChaos over the API server's pods and the given daemons (backoff 200 ms–1 s). */
export function networkRecordsReconciler(deps: { core: CoreV1Api; customObjects: CustomObjectsApi; daemons: DaemonClientPool; lostInjectionCheckMs?: number }) {
  const { core, customObjects, daemons } = deps;
  const podSource = createKubernetesPodSource(core);
  const events = createKubernetesEventRecorder(core);
  const kind = managerChaosKind(networkChaos, {
    decoder: createRecordDecoder({ pods: podSource, daemons }),
    pods: podSource,
    core,
    customObjects,
    log: () => {},
    settings: {},
    event: (obj, type, reason, message) => events.record(obj, { type, reason, message }),
  });
  return createRecordsReconciler({
    kinds: new ChaosKindRegistry().register(kind),
    objects: createKubernetesChaosObjectClient(customObjects),
    selector: createTargetSelector(podSource),
    events,
    backoff: { baseMs: 200, maxMs: 1000 },
    ...(deps.lostInjectionCheckMs !== undefined && { lostInjectionCheckMs: deps.lostInjectionCheckMs }),
  });
}
