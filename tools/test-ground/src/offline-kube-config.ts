import { KubeConfig } from "@kubernetes/client-node";

/**
 * A KubeConfig that points at nothing (https://127.0.0.1:1), for unit tests that must hand an API
 * client to code which, in the test, never calls it. A call through it fails at once.
 *
 * @example
 * const core = offlineKubeConfig().makeApiClient(CoreV1Api); // never called here
 */
export function offlineKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "none", server: "https://127.0.0.1:1" }],
    users: [{ name: "none" }],
    contexts: [{ name: "none", cluster: "none", user: "none" }],
    currentContext: "none",
  });
  return kubeConfig;
}
