import { ControllerRunner, createKubernetesEventRecorder, type Logger } from "@faultline/controller";
import { createStatusCheckController, type StatusCheck } from "@faultline/status-check";
import { CoreV1Api, CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";

/** Runs the StatusCheck controller as the manager does; resolves to a function that stops it. */
export async function runStatusChecks(kubeconfigPath: string, logger: Logger): Promise<() => Promise<void>> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const controller = createStatusCheckController({
    customObjects: kubeConfig.makeApiClient(CustomObjectsApi),
    events: createKubernetesEventRecorder(kubeConfig.makeApiClient(CoreV1Api)),
    logger,
  });
  const runner = new ControllerRunner({ kubeConfig, controllers: [controller], logger });
  await runner.start();
  return () => runner.stop();
}

/**
 * A Synchronous check of `url`, probed every second: it completes as soon as the URL answers
 * 200–399 (SuccessThresholdExceed), or after three failures in a row (FailureThresholdExceed).
 */
export function readinessCheck(namespace: string, name: string, url: string): StatusCheck {
  return {
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "StatusCheck",
    metadata: { namespace, name },
    spec: {
      mode: "Synchronous",
      intervalSeconds: 1,
      timeoutSeconds: 1,
      failureThreshold: 3,
      successThreshold: 1,
      http: { url, method: "GET", criteria: { statusCode: "200-399" } },
    },
  };
}
