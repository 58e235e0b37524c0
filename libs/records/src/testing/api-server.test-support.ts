// The real API server of tools/local-cluster (api-only mode is enough: nothing here needs a kubelet),
// with the HelloWorldChaos CRD applied from libs/api/crds.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  loadYaml,
  type V1CustomResourceDefinition,
  type V1Pod,
} from "@kubernetes/client-node";
import { ensureCluster } from "../../../../tools/local-cluster/handle.mjs";

export interface TestApiServer {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  customObjects: CustomObjectsApi;
}

const crdUrl = new URL("../../../api/crds/chaos-mesh.org_helloworldchaos.yaml", import.meta.url);

/** Starts (or reuses) the local API server and applies the HelloWorldChaos CRD; waits until it is served. */
export async function connectTestApiServer(): Promise<TestApiServer> {
  const { kubeconfigPath } = await ensureCluster({ mode: "api-only", progress: false });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const text = (await readFile(crdUrl, "utf8")).replace(/^#.*\n/gm, "");
  const crd = loadYaml<V1CustomResourceDefinition>(text);
  const name = crd.metadata!.name!;
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
  for (let i = 0; i < 100; i++) {
    const current = await extensions.readCustomResourceDefinition({ name });
    if (current.status?.conditions?.some((c) => c.type === "Established" && c.status === "True")) break;
    await sleep(100);
  }
  return { kubeConfig, core: kubeConfig.makeApiClient(CoreV1Api), customObjects: kubeConfig.makeApiClient(CustomObjectsApi) };
}

/** Creates a namespace with a unique name; `deleteNamespace` removes it. */
export async function createTestNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString("hex")}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** A pod on `nodeName` with one container `app`, created through the API (no kubelet runs it). */
export async function createTestPod(core: CoreV1Api, namespace: string, name: string, labels: { [k: string]: string }, nodeName = "node-1"): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace,
    body: { metadata: { name, labels }, spec: { nodeName, containers: [{ name: "app", image: "busybox" }] } },
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
