import type { ChaosResource, ContainerSelector } from "@faultline/api";
import { createKubernetesPodSource, selectContainerTargets, SelectorError } from "@faultline/selector";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

/** A chaos object whose spec inlines a ContainerSelector, as HelloWorldChaos does. */
type HelloWorldChaos = ChaosResource<"HelloWorldChaos", ContainerSelector & { duration?: string }>;

/**
 * The containers a HelloWorldChaos targets, as "record id @ node: container id" lines; an empty
 * list when no pod matches (Chaos Mesh's "no pod is selected": try again on the next reconcile).
 */
export async function describeTargets(kubeconfigPath: string, chaos: HelloWorldChaos): Promise<string[]> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const source = createKubernetesPodSource(kubeConfig.makeApiClient(CoreV1Api)); // or the app's rate-limited client
  try {
    const targets = await selectContainerTargets(source, chaos.spec, {
      defaultNamespace: chaos.metadata.namespace ?? "default", // where an empty `namespaces` looks
      namespaceFilter: false, // true: only namespaces annotated chaos-mesh.org/inject=enabled
    });
    return targets.map((t) => `${t.recordId} @ ${t.nodeName ?? "unscheduled"}: ${t.containerId ?? "not started"}`);
  } catch (error) {
    if (error instanceof SelectorError && error.reason === "NoPodSelected") return [];
    throw error; // InvalidMode, InvalidValue, InvalidSelector, ContainerNotFound, or the API server's error
  }
}
