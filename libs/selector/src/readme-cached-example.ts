import { ResilientWatch } from "@faultline/controller";
import { createCachedPodSource, createKubernetesPodSource, selectPodTargets, slimPod } from "@faultline/selector";
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";

/**
 * The running pods of a namespace on one node, selected from a watch of every pod: after the
 * watch's first list, selection costs no API call (a manager keeps one such watch for its life).
 */
export async function runningPodsOnNode(kubeconfigPath: string, namespace: string, nodeName: string): Promise<string[]> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const watch = new ResilientWatch<V1Pod>({
    kubeConfig,
    group: "", // the core group: /api/v1/pods, every namespace
    version: "v1",
    plural: "pods",
    transform: slimPod, // keep only what selection and record decoders read
    handler: () => {}, // a controller would enqueue here
  });
  await watch.start(); // resolves once every pod has been listed
  try {
    const pods = createCachedPodSource(watch, createKubernetesPodSource(kubeConfig.makeApiClient(CoreV1Api)));
    const targets = await selectPodTargets(
      pods,
      { selector: { namespaces: [namespace], nodes: [nodeName], podPhaseSelectors: ["Running"] }, mode: "all" },
      { defaultNamespace: namespace, namespaceFilter: false },
    );
    return targets.map((target) => target.recordId);
  } finally {
    await watch.stop();
  }
}
