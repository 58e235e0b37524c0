import { readdir, readFile } from "node:fs/promises";
import { ApiextensionsV1Api, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from "@kubernetes/client-node";

const crdDir = new URL("../../../libs/chaos/crds/", import.meta.url);

/**
 * Applies every CRD generated into libs/chaos/crds (create, or replace when present) and waits until
 * the API server serves them.
 */
export async function applyChaosCrds(kubeConfig: KubeConfig): Promise<string[]> {
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const names: string[] = [];
  for (const file of (await readdir(crdDir)).filter((f) => f.endsWith(".yaml")).sort()) {
    const crd = loadYaml<V1CustomResourceDefinition>(await readFile(new URL(file, crdDir), "utf8"));
    const name = crd.metadata!.name!;
    names.push(name);
    try {
      await extensions.createCustomResourceDefinition({ body: crd });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
      const existing = await extensions.readCustomResourceDefinition({ name });
      await extensions.replaceCustomResourceDefinition({
        name,
        body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata!.resourceVersion } },
      });
    }
  }
  for (const name of names) {
    for (let i = 0; ; i++) {
      const current = await extensions.readCustomResourceDefinition({ name });
      if (current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
      if (i > 100) throw new Error(`CRD ${name} was not established within 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return names;
}
