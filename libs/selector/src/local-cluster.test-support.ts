// Objects on the local cluster's API server for integration tests: namespaces, nodes and pods
// created directly (no kubelet: selection only reads objects), with pod status written through
// the status subresource as a kubelet would. Every name carries a per-run suffix, and
// `deleteAll` removes what was created.
import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from "@kubernetes/client-node";
import { deleteTestNamespace, localCluster } from "@faultline/test-ground";
import type { PodFixture } from "./pod-fixtures.test-support.js";
import { pod as podObject } from "./pod-fixtures.test-support.js";

/** The local cluster's API server (api-only), through the test ground (which the unit tier refuses). */
export async function localClusterKubeConfig(): Promise<{ kubeConfig: KubeConfig; kubeconfigPath: string }> {
  const { kubeConfig, kubeconfigPath } = await localCluster("api-only");
  return { kubeConfig, kubeconfigPath };
}

function isConflict(error: unknown): boolean {
  return (error as { code?: number }).code === 409;
}

export class ClusterObjects {
  readonly run = Math.random().toString(36).slice(2, 8);
  private readonly namespaces: string[] = [];
  private readonly nodes: string[] = [];

  readonly api: CoreV1Api;
  constructor(private readonly kubeConfig: KubeConfig) {
    this.api = kubeConfig.makeApiClient(CoreV1Api);
  }

  /** A namespace named `sel-<run>-<name>`, with its default ServiceAccount (for clusters that admit pods by it). */
  async namespace(name: string, annotations: Record<string, string> = {}): Promise<string> {
    const full = `sel-${this.run}-${name}`;
    await this.api.createNamespace({ body: { metadata: { name: full, annotations } } });
    this.namespaces.push(full);
    await this.api
      .createNamespacedServiceAccount({ namespace: full, body: { metadata: { name: "default" } } })
      .catch((error) => {
        if (!isConflict(error)) throw error;
      });
    return full;
  }

  /** A node named `sel-<run>-<name>`, with the run's label `faultline.test/run`. */
  async node(name: string, labels: Record<string, string> = {}): Promise<V1Node> {
    const full = `sel-${this.run}-${name}`;
    const node = await this.api.createNode({ body: { metadata: { name: full, labels: { ...labels, "faultline.test/run": this.run } } } });
    this.nodes.push(full);
    return node;
  }

  /** Creates a pod, then writes its status (phase, container ids) through the status subresource. */
  async pod(fixture: PodFixture): Promise<V1Pod> {
    const { status, ...object } = podObject(fixture);
    object.spec = { ...object.spec!, automountServiceAccountToken: false, terminationGracePeriodSeconds: 0 };
    const created = await this.api.createNamespacedPod({ namespace: fixture.namespace!, body: object });
    created.status = { ...created.status, ...status };
    return this.api.replaceNamespacedPodStatus({ namespace: fixture.namespace!, name: fixture.name, body: created });
  }

  /**
   * Deletes what this run created: pods first with no grace period (no kubelet will confirm their
   * end), then each namespace through the test ground's deleteTestNamespace, which waits for the
   * namespace controller and never forces a namespace's finalizer (on an api-only cluster an
   * emptied namespace is left Terminating).
   */
  async deleteAll(): Promise<void> {
    await Promise.allSettled([
      ...this.namespaces.map(async (namespace) => {
        await this.api.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
        await deleteTestNamespace(this.kubeConfig, namespace);
      }),
      ...this.nodes.map((name) => this.api.deleteNode({ name })),
    ]);
  }
}
