// The Schedule's world on the local cluster's real API server, for integration tests: two small
// chaos kinds (one lasting, one one-shot), a Workflow CRD that keeps any fields, and the Schedule
// CRD built from them.
import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, type CustomResourceDefinition } from "@faultline/api";
import { defineChaosKind, type ChaosKindDefinition } from "@faultline/chaos-kind";
import { eventually } from "@faultline/test-ground";
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, loadYaml, type KubeConfig, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { scheduleCrd } from "./schedule-crd.js";

const testKind = (kind: string, oneShot: boolean): ChaosKindDefinition =>
  defineChaosKind({
    crd: defineChaosCrd({ kind, description: `${kind}: a chaos kind for the Schedule's tests.`, spec: Type.Object({ ...containerSelectorFields, duration: Type.Optional(durationSchema) }) }),
    oneShot,
    selectorKind: "container",
    manager: () => ({ apply: async () => "Injected", recover: async () => "Not Injected" }),
  });

/** A lasting kind (finished when stopped and recovered) and a one-shot kind (finished once injected). */
export const testKinds = [testKind("LastingTestChaos", false), testKind("OneShotTestChaos", true)];

/** A Workflow CRD standing in for the workflow library's: any spec and status. */
export const testWorkflowCrd: CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "workflows.chaos-mesh.org" },
  spec: {
    group: "chaos-mesh.org",
    names: { kind: "Workflow", listKind: "WorkflowList", plural: "workflows", singular: "workflow", categories: ["chaos-mesh"] },
    scope: "Namespaced",
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: "object", "x-kubernetes-preserve-unknown-fields": true } },
        subresources: { status: {} },
      },
    ],
  },
};

/** The Workflow spec schema the test Schedule CRD embeds. */
export const testWorkflowSpec = { type: "object" as const, "x-kubernetes-preserve-unknown-fields": true };

/** Creates or replaces CRDs and waits until each is established and served. */
export async function applyCrds(kubeConfig: KubeConfig, crds: readonly CustomResourceDefinition[]): Promise<void> {
  const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
  const objects = kubeConfig.makeApiClient(CustomObjectsApi);
  for (const crd of crds) {
    // through the client's deserializer, which maps "x-kubernetes-*" keys to its field names (sent as they are, they would be dropped)
    const body = loadYaml<V1CustomResourceDefinition>(JSON.stringify(crd));
    try {
      await extensions.createCustomResourceDefinition({ body });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
      const existing = await extensions.readCustomResourceDefinition({ name: crd.metadata.name });
      await extensions.replaceCustomResourceDefinition({ name: crd.metadata.name, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata!.resourceVersion } } });
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
}

/** Installs the test kinds, the test Workflow CRD and the Schedule CRD built from them. */
export async function installScheduleCrds(kubeConfig: KubeConfig): Promise<void> {
  await applyCrds(kubeConfig, [...testKinds.map((k) => k.crd), testWorkflowCrd, scheduleCrd(testKinds, { workflowSpec: testWorkflowSpec })]);
}

/** The reasons and messages of the Events about one object, oldest first. */
export async function eventsOf(kubeConfig: KubeConfig, namespace: string, name: string): Promise<{ reason: string; message: string; type: string }[]> {
  const list = await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason ?? "", message: e.message ?? "", type: e.type ?? "" }));
}

/** A raw request to the API server, for what the typed client cannot ask (a Table, a body sent as it is). */
export async function apiRequest(kubeConfig: KubeConfig, method: string, path: string, options: { body?: object; accept?: string } = {}): Promise<{ status: number; body: any }> {
  const url = new URL(path, kubeConfig.getCurrentCluster()!.server);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const requestOptions: RequestOptions = {
    method,
    hostname: url.hostname,
    port: url.port,
    path: url.pathname + url.search,
    headers: { accept: options.accept ?? "application/json", ...(body !== undefined && { "content-type": "application/json" }) },
  };
  await kubeConfig.applyToHTTPSOptions(requestOptions);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(requestOptions, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}
