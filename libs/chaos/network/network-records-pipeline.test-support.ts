// The records pipeline serving NetworkChaos alone, on the real API server, with the daemon calls
// going to whatever pool a test gives (in-memory daemons, or the real handlers called in process):
// what the network integration specs run instead of a whole manager.
import type { DaemonClientPool } from "@faultline/daemon-client";
import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import { kindRecordsReconciler } from "../kind-pipeline.test-support.js";
import { networkChaos } from "./network-chaos.js";
import type { NetworkChaos } from "./network-chaos-crd.js";

/** A records reconciler for NetworkChaos over the API server's pods and the given daemons (backoff 200 ms–1 s; lost injections checked at the pipeline's own 10 s unless told). */
export function networkRecordsReconciler(deps: { core: CoreV1Api; customObjects: CustomObjectsApi; daemons: DaemonClientPool; lostInjectionCheckMs?: number }) {
  return kindRecordsReconciler(networkChaos, { ...deps, lostInjectionCheckMs: deps.lostInjectionCheckMs ?? 10_000 });
}

type Reconciler = ReturnType<typeof networkRecordsReconciler>;
const resource = { group: "chaos-mesh.org", version: "v1alpha1", plural: "networkchaos" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads a NetworkChaos now, `undefined` once it is gone. */
export async function readNetworkChaos(customObjects: CustomObjectsApi, namespace: string, name: string): Promise<NetworkChaos | undefined> {
  try {
    return (await customObjects.getNamespacedCustomObject({ ...resource, namespace, name })) as NetworkChaos;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

/** Reconciles `name` as the manager's queue would until `done` holds for the object read after a round; resolves with it. */
export async function driveNetworkChaos(
  reconciler: Reconciler,
  customObjects: CustomObjectsApi,
  namespace: string,
  name: string,
  done: (obj: NetworkChaos | undefined) => boolean,
  rounds = 40,
): Promise<NetworkChaos | undefined> {
  for (let i = 0; i < rounds; i++) {
    const result = await reconciler.reconcile({ kind: "NetworkChaos", namespace, name });
    const obj = await readNetworkChaos(customObjects, namespace, name);
    if (done(obj)) return obj;
    await sleep(Math.min(result.requeueAfterMs ?? 100, 500));
  }
  throw new Error(`${name} did not converge: ${JSON.stringify((await readNetworkChaos(customObjects, namespace, name))?.status)}`);
}

export { allInjected } from "../kind-pipeline.test-support.js";
