export type ClusterMode = "full" | "api-only";

export interface ClusterOptions {
  /** "api-only": etcd + kube-apiserver; "full": also controller-manager, scheduler and a Ready kubelet node. Default "full". */
  mode?: ClusterMode;
  /** Environment for the script (FAULTLINE_CLUSTER_DIR, FAULTLINE_APISERVER_PORT, …). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Copy the script's progress lines to stderr. Default true. */
  progress?: boolean;
}

export interface ClusterHandle {
  /** Admin kubeconfig (client certificate in group system:masters). */
  kubeconfigPath: string;
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** The mode the cluster is up in (a "full" cluster also serves "api-only" callers). */
  mode: ClusterMode;
  /** Whether this call started (or upgraded) it. */
  started: boolean;
}

export interface ClusterStatus {
  up: boolean;
  mode: ClusterMode | "none" | undefined;
  server: string | undefined;
  kubeconfigPath: string | undefined;
}

export const scriptPath: string;
export function ensureCluster(options?: ClusterOptions): Promise<ClusterHandle>;
export function clusterStatus(options?: Omit<ClusterOptions, "mode">): Promise<ClusterStatus>;
export function stopCluster(options?: Omit<ClusterOptions, "mode">): Promise<void>;
