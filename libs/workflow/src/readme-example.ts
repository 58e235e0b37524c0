import { ControllerRunner, createKubernetesEventRecorder, silentLogger } from "@faultline/controller";
import type { ChaosKindDefinition } from "@faultline/chaos-kind";
import { createWorkflowControllers, workflowResource, type Workflow } from "@faultline/workflow";
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";

/**
 * Runs one Workflow to its end with the two Workflow controllers, as the manager runs them, and
 * answers its final status. `kinds` are the chaos kinds its templates may name.
 */
export async function runWorkflow(kubeConfig: KubeConfig, kinds: readonly ChaosKindDefinition[], workflow: Workflow): Promise<Workflow["status"]> {
  const customObjects = kubeConfig.makeApiClient(CustomObjectsApi); // the manager passes its rate-limited clients
  const core = kubeConfig.makeApiClient(CoreV1Api); // Task templates' pods
  const events = createKubernetesEventRecorder(core);
  const runner = new ControllerRunner({ kubeConfig, controllers: createWorkflowControllers({ customObjects, core, events, logger: silentLogger(), kinds }) });
  await runner.start();
  const { group, version, plural } = workflowResource;
  const namespace = workflow.metadata.namespace ?? "default";
  try {
    await customObjects.createNamespacedCustomObject({ group, version, plural, namespace, body: workflow });
    for (;;) {
      const current = (await customObjects.getNamespacedCustomObject({ group, version, plural, namespace, name: workflow.metadata.name! })) as Workflow;
      const done = current.status?.conditions?.some((c) => c.type === "Accomplished" && c.status === "True");
      if (done) return current.status; // entry node finished, every chaos deleted (so recovered)
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await runner.stop();
  }
}
