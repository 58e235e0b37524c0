// The local cluster's real API server for integration tests, and a throw-away CRD per test file
// (cluster-scoped definition, namespaced objects) so tests never touch Faultline's own kinds.
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import { deleteTestNamespace, localCluster } from "@faultline/test-ground";
import { abortableDelay } from "./abortable-delay.js";

/** Starting the local cluster, when it is not up yet, takes minutes. */
export const clusterTimeoutMs = 300_000;

/** The local cluster's API server (api-only), through the test ground (which the unit tier refuses). */
export async function localClusterKubeConfig(): Promise<{ kubeConfig: KubeConfig; kubeconfigPath: string }> {
  const { kubeConfig, kubeconfigPath } = await localCluster("api-only");
  return { kubeConfig, kubeconfigPath };
}

export const run = Math.random().toString(36).slice(2, 8);

/** Polls `check` until it returns true. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await abortableDelay(20);
  }
}

/** A CRD `<plural>.ctl-<run>.faultline.test`, version v1, that keeps any fields. */
export class TestResource {
  readonly group: string;
  readonly version = "v1";
  readonly kind: string;
  readonly crds: ApiextensionsV1Api;
  readonly objects: CustomObjectsApi;
  readonly core: CoreV1Api;
  readonly namespaces: string[] = [];

  constructor(
    private readonly kubeConfig: KubeConfig,
    readonly plural: string,
  ) {
    this.group = `ctl-${run}.faultline.test`;
    this.kind = plural[0]!.toUpperCase() + plural.slice(1, -1);
    this.crds = kubeConfig.makeApiClient(ApiextensionsV1Api);
    this.objects = kubeConfig.makeApiClient(CustomObjectsApi);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  get crdName(): string {
    return `${this.plural}.${this.group}`;
  }

  /** Creates the CRD and waits until the API server serves it. */
  async install(): Promise<void> {
    await this.crds.createCustomResourceDefinition({
      body: {
        metadata: { name: this.crdName },
        spec: {
          group: this.group,
          scope: "Namespaced",
          names: { plural: this.plural, singular: this.plural.slice(0, -1), kind: this.kind },
          versions: [{ name: this.version, served: true, storage: true, schema: { openAPIV3Schema: { type: "object", x_kubernetes_preserve_unknown_fields: true } } }],
        },
      },
    });
    await until(
      () => this.objects.listClusterCustomObject({ group: this.group, version: this.version, plural: this.plural }).then(() => true, () => false),
      30_000,
      `CRD ${this.crdName} served`,
    );
  }

  /** Deletes the CRD (and so every object of it) and waits until it is gone. */
  async uninstall(): Promise<void> {
    await this.crds.deleteCustomResourceDefinition({ name: this.crdName }).catch(() => undefined);
    await until(() => this.crds.readCustomResourceDefinition({ name: this.crdName }).then(() => false, () => true), 60_000, `CRD ${this.crdName} deleted`);
  }

  async namespace(name: string): Promise<string> {
    const full = `ctl-${run}-${name}`;
    await this.core.createNamespace({ body: { metadata: { name: full } } });
    this.namespaces.push(full);
    return full;
  }

  create(namespace: string, name: string, data: Record<string, unknown> = {}): Promise<unknown> {
    return this.objects.createNamespacedCustomObject({
      group: this.group,
      version: this.version,
      namespace,
      plural: this.plural,
      body: { apiVersion: `${this.group}/${this.version}`, kind: this.kind, metadata: { name, namespace }, data },
    });
  }

  patch(namespace: string, name: string, data: Record<string, unknown>): Promise<unknown> {
    // a JSON patch, the client's default patch type
    return this.objects.patchNamespacedCustomObject({ group: this.group, version: this.version, namespace, plural: this.plural, name, body: [{ op: "replace", path: "/data", value: data }] });
  }

  delete(namespace: string, name: string): Promise<unknown> {
    return this.objects.deleteNamespacedCustomObject({ group: this.group, version: this.version, namespace, plural: this.plural, name });
  }

  /**
   * Removes the CRD and the namespaces, through the test ground's deleteTestNamespace: it waits for
   * the namespace controller and never forces a namespace's finalizer.
   */
  async cleanUp(): Promise<void> {
    await this.uninstall();
    await Promise.allSettled(this.namespaces.map((namespace) => deleteTestNamespace(this.kubeConfig, namespace)));
  }
}
