import type { ChaosKindRegistry } from "@faultline/impl-registry";
import { createKubernetesEventRecorder } from "@faultline/controller";
import {
  createKubernetesChaosObjectClient,
  createRecordsReconciler,
  createTargetSelector,
  type ReconcileRequest,
  type Reconciler,
} from "@faultline/records";
import { createKubernetesPodSource } from "@faultline/selector";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";

/** The pipeline for every registered kind, reading and writing through the API server. */
export function createPipeline(kubeConfig: KubeConfig, kinds: ChaosKindRegistry): Reconciler {
  const core = kubeConfig.makeApiClient(CoreV1Api); // an app passes its rate-limited clients
  return createRecordsReconciler({
    kinds,
    objects: createKubernetesChaosObjectClient(kubeConfig.makeApiClient(CustomObjectsApi)),
    selector: createTargetSelector(createKubernetesPodSource(core), { namespaceFilter: false }),
    events: createKubernetesEventRecorder(core, { component: "faultline-manager" }),
    parallelism: 8, // records applied at once, per object
  });
}

/**
 * What an app's work queue does with one key, reduced to a loop: reconcile, then come back when the
 * result asks (a real app also reconciles on every watch event, and never runs one key twice at once).
 */
export async function reconcileUntil(reconciler: Reconciler, request: ReconcileRequest, done: () => Promise<boolean>) {
  while (!(await done())) {
    const { requeueAfterMs } = await reconciler.reconcile(request);
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(requeueAfterMs ?? 1000, 5000)));
  }
}
