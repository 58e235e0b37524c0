import type { CoreV1Api } from "@kubernetes/client-node";

/**
 * Creates a namespace with a unique name for one test file, and deletes it afterwards. On an
 * api-only cluster no namespace controller empties it, so deletion also removes its pods and
 * finalizes it.
 */
export async function createTestNamespace(core: CoreV1Api, prefix: string): Promise<{ name: string; remove(): Promise<void> }> {
  const name = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return {
    name,
    async remove() {
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
      await core
        .replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } })
        .catch(() => undefined);
    },
  };
}
