import { dirname, join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { ensureCluster } from "../../local-cluster/handle.mjs";
import { requireRealParts } from "./test-tier.js";

/** The local cluster (tools/local-cluster), started if needed, with a loaded KubeConfig. */
export interface LocalCluster {
  kubeConfig: KubeConfig;
  kubeconfigPath: string;
  server: string;
  /** The containerd socket the cluster's kubelet runs pods on (its own, not the test ground's). */
  containerdSocket: string;
}

/**
 * Makes sure the local cluster is up (`api-only`: etcd + kube-apiserver; `full`: with a kubelet
 * node) and returns a KubeConfig for its admin user.
 */
export async function localCluster(mode: "api-only" | "full" = "api-only"): Promise<LocalCluster> {
  requireRealParts("the local cluster");
  const { kubeconfigPath, server } = await ensureCluster({ mode, progress: false });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const runtimeDir = process.env["FAULTLINE_CLUSTER_RUNTIME_DIR"] ?? join(dirname(kubeconfigPath), "runtime");
  return { kubeConfig, kubeconfigPath, server, containerdSocket: join(runtimeDir, "containerd.sock") };
}
