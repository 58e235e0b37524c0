// Where the manager finds its cluster: --kubeconfig, else the default (in-cluster, $KUBECONFIG, ~/.kube/config).
import { SharedConnectionKubeConfig } from "@faultline/controller";
import type { KubeConfig } from "@kubernetes/client-node";
import { ManagerConfigError, type ManagerConfig } from "./manager-config.js";

/**
 * The manager's kubeconfig, as one connection pool for every client and watch (not client-node's
 * new TLS connection per request). Throws {@link ManagerConfigError} when it cannot be loaded or
 * names no cluster.
 */
export function loadManagerKubeConfig(config: Pick<ManagerConfig, "kubeconfig">): KubeConfig {
  const kubeConfig = new SharedConnectionKubeConfig();
  try {
    if (config.kubeconfig !== undefined) kubeConfig.loadFromFile(config.kubeconfig);
    else kubeConfig.loadFromDefault();
  } catch (err) {
    throw new ManagerConfigError(`cannot load kubeconfig ${config.kubeconfig ?? "(default)"}: ${(err as Error).message}`);
  }
  if (!kubeConfig.getCurrentCluster()) throw new ManagerConfigError("no Kubernetes cluster configured: pass --kubeconfig or run in a pod");
  return kubeConfig;
}
