// The Schedule's world on the local cluster's real API server, for integration tests: two small
// chaos kinds (one lasting, one one-shot), a Workflow CRD that keeps any fields, and the Schedule
// CRD built from them.
import { Type } from "@sinclair/typebox";
import { containerSelectorFields, defineChaosCrd, durationSchema, type CustomResourceDefinition } from "@faultline/api";
import { defineChaosKind, type ChaosKindDefinition } from "@faultline/chaos-kind";
import { applyCrds as applyTestGroundCrds, apiRequest } from "@faultline/test-ground";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
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

/** Creates or replaces CRDs and waits until each is served (the test ground's, shared with the other libraries' tests). */
export const applyCrds = applyTestGroundCrds;

/**
 * Installs the test kinds, the test Workflow CRD and the Schedule CRD built from them, in place of
 * the generated ones: every spec that calls it puts those back when it ends (`applyChaosCrds`), for
 * what runs after it on the same API server.
 */
export async function installScheduleCrds(kubeConfig: KubeConfig): Promise<void> {
  await applyCrds(kubeConfig, [...testKinds.map((k) => k.crd), testWorkflowCrd, scheduleCrd(testKinds, { workflowSpec: testWorkflowSpec })]);
}

/** The reasons, messages and repeat counts of the Events about one object, oldest first. */
export async function eventsOf(kubeConfig: KubeConfig, namespace: string, name: string): Promise<{ reason: string; message: string; type: string; count: number }[]> {
  const list = await kubeConfig.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => ({ reason: e.reason ?? "", message: e.message ?? "", type: e.type ?? "", count: e.count ?? 1 }));
}

/** A raw request to the API server, for what the typed client cannot ask (a Table, a body sent as it is). */
export { apiRequest };
