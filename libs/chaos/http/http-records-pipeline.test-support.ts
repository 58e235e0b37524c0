// The records pipeline serving HTTPChaos alone, on the real API server, with the daemon calls going
// to whatever pool a test gives (in-memory daemons, or a real daemon server): what the HTTPChaos
// manager integration specs run instead of a whole manager.
import { createKubernetesEventRecorder } from "@faultline/controller";
import { createRecordDecoder, type DaemonClientPool } from "@faultline/daemon-client";
import { ChaosKindRegistry } from "@faultline/impl-registry";
import { createKubernetesChaosObjectClient, createRecordsReconciler, createTargetSelector } from "@faultline/records";
import { createKubernetesPodSource } from "@faultline/selector";
import type { CoreV1Api, CoreV1Event, CustomObjectsApi } from "@kubernetes/client-node";
import { httpChaos } from "./http-chaos.js";
import type { HTTPChaos } from "./http-chaos-crd.js";

const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "httpchaos" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A records reconciler for HTTPChaos over the API server's pods and the given daemons (backoff 200 ms–1 s, lost injections checked every 200 ms). */
export function httpRecordsReconciler(deps: { core: CoreV1Api; customObjects: CustomObjectsApi; daemons: DaemonClientPool }) {
  const { core, customObjects, daemons } = deps;
  const podSource = createKubernetesPodSource(core);
  const events = createKubernetesEventRecorder(core);
  const kinds = new ChaosKindRegistry().register(httpChaos, {
    decoder: createRecordDecoder({ pods: podSource, daemons }),
    pods: podSource,
    core,
    customObjects,
    log: () => {},
    settings: {},
    event: (obj, type, reason, message) => events.record(obj, { type, reason, message }),
  });
  return createRecordsReconciler({
    kinds,
    objects: createKubernetesChaosObjectClient(customObjects),
    selector: createTargetSelector(podSource),
    events,
    backoff: { baseMs: 200, maxMs: 1000 },
    lostInjectionCheckMs: 200,
  });
}

/** HTTPChaos objects of one namespace, and the pipeline driven over them as the manager's queue would. */
export function httpChaosDriver(deps: { core: CoreV1Api; customObjects: CustomObjectsApi; namespace: string }) {
  const { core, customObjects, namespace } = deps;
  const read = async (name: string): Promise<HTTPChaos | undefined> => {
    try {
      return (await customObjects.getNamespacedCustomObject({ ...resource, namespace, name })) as HTTPChaos;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  };
  /** Reconciles `name` until `done` holds for the object read after a round; resolves with it. */
  const drive = async (reconciler: ReturnType<typeof httpRecordsReconciler>, name: string, done: (obj: HTTPChaos | undefined) => boolean, rounds = 40) => {
    for (let i = 0; i < rounds; i++) {
      const result = await reconciler.reconcile({ kind: "HTTPChaos", namespace, name });
      const obj = await read(name);
      if (done(obj)) return obj;
      await sleep(Math.min(result.requeueAfterMs ?? 100, 500));
    }
    throw new Error(`${name} did not converge: ${JSON.stringify((await read(name))?.status)}`);
  };
  return {
    read,
    drive,
    async create(name: string, spec: object) {
      await customObjects.createNamespacedCustomObject({ ...resource, namespace, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HTTPChaos", metadata: { name }, spec } });
    },
    /** Deletes `name` and drives the pipeline until it is gone (every record recovered). */
    async remove(reconciler: ReturnType<typeof httpRecordsReconciler>, name: string) {
      await customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name });
      await drive(reconciler, name, (obj) => obj === undefined);
    },
    async events(name: string): Promise<CoreV1Event[]> {
      return (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items;
    },
  };
}

/** Whether the object's AllInjected condition is True. */
export const allInjected = (obj: HTTPChaos | undefined) => obj?.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True") ?? false;
/** Whether any record has a Failed event. */
export const anyFailed = (obj: HTTPChaos | undefined) => (obj?.status?.experiment?.containerRecords ?? []).some((r) => (r.events ?? []).some((e) => e.type === "Failed"));
