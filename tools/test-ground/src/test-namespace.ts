import { readdirSync, readFileSync } from "node:fs";
import { CoreV1Api, CustomObjectsApi, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from "@kubernetes/client-node";

const crdDir = new URL("../../../libs/chaos/crds/", import.meta.url);

/** The chaos kinds' resources (group, version, plural), read from the generated CRDs. */
function chaosResources(): { group: string; version: string; plural: string }[] {
  return readdirSync(crdDir)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => loadYaml<V1CustomResourceDefinition>(readFileSync(new URL(f, crdDir), "utf8")))
    .map((crd) => ({ group: crd.spec.group, version: crd.spec.versions[0]!.name, plural: crd.spec.names.plural }));
}

/**
 * Deletes a test namespace and everything in it, leaving nothing for later tests (or later
 * managers, which watch every namespace) to trip over: chaos objects lose their finalizers first
 * (no manager may be left to remove them), pods go without grace (no kubelet may confirm their
 * end), and a namespace that no namespace controller empties (an api-only cluster) is finalized.
 */
export async function deleteTestNamespace(kubeConfig: KubeConfig, name: string): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  for (const resource of chaosResources()) {
    const list = (await custom.listNamespacedCustomObject({ ...resource, namespace: name }).catch(() => ({ items: [] }))) as {
      items: { metadata: { name: string } }[];
    };
    await Promise.allSettled(
      list.items.map(async (obj) => {
        await custom.patchNamespacedCustomObject({
          ...resource,
          namespace: name,
          name: obj.metadata.name,
          body: [{ op: "replace", path: "/metadata/finalizers", value: [] }],
        });
        await custom.deleteNamespacedCustomObject({ ...resource, namespace: name, name: obj.metadata.name });
      }),
    );
  }
  await core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }).catch(() => undefined);
  await core.deleteNamespace({ name }).catch(() => undefined);
  for (let i = 0; i < 30; i++) {
    const gone = await core.readNamespace({ name }).then(
      () => false,
      () => true,
    );
    if (gone) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  await core.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } }).catch(() => undefined);
}

/** Creates a namespace with a unique name (`<prefix>-<6 random>`); `remove()` is {@link deleteTestNamespace}. */
export async function createTestNamespace(kubeConfig: KubeConfig, prefix: string): Promise<{ name: string; remove(): Promise<void> }> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name } } });
  return { name, remove: () => deleteTestNamespace(kubeConfig, name) };
}
