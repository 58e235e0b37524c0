// Test support: the records pipeline serving one chaos kind alone, on the real API server, with the
// daemon calls going to whatever pool a test gives (in-memory daemons, or a real daemon server):
// what a kind's manager integration specs run instead of a whole manager, and a driver that
// reconciles one object as the manager's queue would.
import type { ChaosKindDefinition } from "@faultline/chaos-kind";
import { createKubernetesEventRecorder } from "@faultline/controller";
import { createRecordDecoder, type DaemonClientPool } from "@faultline/daemon-client";
import { ChaosKindRegistry, type ChaosObject } from "@faultline/impl-registry";
import { createKubernetesChaosObjectClient, createRecordsReconciler, createTargetSelector } from "@faultline/records";
import { createKubernetesPodSource } from "@faultline/selector";
import type { CoreV1Api, CoreV1Event, CustomObjectsApi } from "@kubernetes/client-node";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A records reconciler for `kind` over the API server's pods and the given daemons (backoff 200 ms–1 s, lost injections checked every 200 ms unless told). */
export function kindRecordsReconciler<T extends ChaosObject>(
  kind: ChaosKindDefinition<T>,
  deps: { core: CoreV1Api; customObjects: CustomObjectsApi; daemons: DaemonClientPool; lostInjectionCheckMs?: number },
) {
  const { core, customObjects, daemons } = deps;
  const podSource = createKubernetesPodSource(core);
  const events = createKubernetesEventRecorder(core);
  const kinds = new ChaosKindRegistry().register(kind, {
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
    lostInjectionCheckMs: deps.lostInjectionCheckMs ?? 200,
  });
}

/** `kind`'s objects of one namespace, and the pipeline driven over them as the manager's queue would. */
export function kindDriver<T extends ChaosObject>(kind: ChaosKindDefinition<T>, deps: { core: CoreV1Api; customObjects: CustomObjectsApi; namespace: string }) {
  const { core, customObjects, namespace } = deps;
  const { kind: kindName, plural } = kind.crd.spec.names;
  const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural };
  const read = async (name: string): Promise<T | undefined> => {
    try {
      return (await customObjects.getNamespacedCustomObject({ ...resource, namespace, name })) as T;
    } catch (error) {
      if ((error as { code?: number }).code === 404) return undefined;
      throw error;
    }
  };
  type Reconciler = ReturnType<typeof kindRecordsReconciler>;
  /** Reconciles `name` until `done` holds for the object read after a round; resolves with it. */
  const drive = async (reconciler: Reconciler, name: string, done: (obj: T | undefined) => boolean, rounds = 40) => {
    for (let i = 0; i < rounds; i++) {
      const result = await reconciler.reconcile({ kind: kindName, namespace, name });
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
      await customObjects.createNamespacedCustomObject({ ...resource, namespace, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: kindName, metadata: { name }, spec } });
    },
    /** Deletes `name` and drives the pipeline until it is gone (every record recovered). */
    async remove(reconciler: Reconciler, name: string) {
      await customObjects.deleteNamespacedCustomObject({ ...resource, namespace, name });
      await drive(reconciler, name, (obj) => obj === undefined);
    },
    async events(name: string): Promise<CoreV1Event[]> {
      return (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items;
    },
  };
}

/** Whether the object's AllInjected condition is True. */
export const allInjected = (obj: ChaosObject | undefined) => obj?.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True") ?? false;
/** Whether any record has a Failed event. */
export const anyFailed = (obj: ChaosObject | undefined) => (obj?.status?.experiment?.containerRecords ?? []).some((r) => (r.events ?? []).some((e) => e.type === "Failed"));
