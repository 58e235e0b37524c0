import { readdir, readFile } from "node:fs/promises";
import { ApiextensionsV1Api, CustomObjectsApi, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { parse } from "yaml";
import { eventually } from "./eventually.js";

const crdDir = new URL("../../../libs/chaos/crds/", import.meta.url);

/** A CRD as plain JSON, as a file or `@faultline/api`'s builders have it (not the client's model, whose keys differ). */
type CrdLike = { metadata: { name: string }; spec: { group: string; names: { plural: string }; versions: { name: string }[] } };

/**
 * Creates each CRD, or replaces it when present, and waits until the API server serves it. A plain
 * object goes through the client's deserializer first, as a YAML file does: the client's model
 * spells `x-kubernetes-*`, `enum` and `default` otherwise and would silently drop them.
 */
export async function applyCrds(kubeConfig: KubeConfig, crds: readonly CrdLike[]): Promise<string[]> {
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);
  let changed = false;
  for (const crd of crds) {
    const body = loadYaml<V1CustomResourceDefinition>(JSON.stringify(crd));
    try {
      await extensions.createCustomResourceDefinition({ body });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
      const existing = await extensions.readCustomResourceDefinition({ name: crd.metadata.name });
      const replaced = await extensions.replaceCustomResourceDefinition({ name: crd.metadata.name, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata!.resourceVersion } } });
      // the generation moves only when the spec changed
      if ((replaced.metadata?.generation ?? 0) !== (existing.metadata?.generation ?? 0)) changed = true;
    }
  }
  for (const crd of crds) {
    await eventually(`CRD ${crd.metadata.name} established`, async () => {
      const current = await extensions.readCustomResourceDefinition({ name: crd.metadata.name });
      return current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True") ? true : undefined;
    }, 30_000, 100);
    await eventually(`${crd.spec.names.plural} served`, () =>
      objects.listClusterCustomObject({ group: crd.spec.group, version: crd.spec.versions[0]!.name, plural: crd.spec.names.plural }).then(() => true, () => undefined), 30_000, 100);
  }
  // A changed CRD stays Established and served while the API server rebuilds its handler, which it
  // does asynchronously: an object written at once may still meet the old schema (its new fields
  // pruned). Nothing reports when the rebuild is done, so a changed CRD gets a moment to settle.
  if (changed) await new Promise((resolve) => setTimeout(resolve, crdSettleMs));
  return crds.map((crd) => crd.metadata.name);
}

/** How long a changed CRD is given before objects are written against it. */
const crdSettleMs = 3000;

/**
 * Applies every CRD generated into libs/chaos/crds (the chaos kinds, Schedule, Workflow,
 * WorkflowNode, StatusCheck) and waits until the API server serves them. Tests that install test
 * versions of these CRDs call it when they end, so the shared API server holds the real ones again.
 */
export async function applyChaosCrds(kubeConfig: KubeConfig): Promise<string[]> {
  const crds: CrdLike[] = [];
  for (const file of (await readdir(crdDir)).filter((f) => f.endsWith(".yaml")).sort()) {
    crds.push(parse(await readFile(new URL(file, crdDir), "utf8")) as CrdLike);
  }
  return applyCrds(kubeConfig, crds);
}
