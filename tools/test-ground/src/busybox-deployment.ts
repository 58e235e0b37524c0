import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Pod } from "@kubernetes/client-node";

/**
 * Creates a Deployment of busybox (`sleep 3600`, the locally built image, never pulled) labelled
 * `app=<name>`, and waits until all its pods run on the cluster's kubelet with a container id.
 * Needs the local cluster in full mode.
 */
export async function deployBusybox(
  kubeConfig: KubeConfig,
  namespace: string,
  options: { name?: string; replicas?: number; timeoutMs?: number } = {},
): Promise<V1Pod[]> {
  const name = options.name ?? "busybox";
  const replicas = options.replicas ?? 2;
  await kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "3600"] }],
          },
        },
      },
    },
  });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const pods = (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items;
    const running = pods.filter((p) => p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.containerID);
    if (running.length === replicas) return running;
    if (Date.now() > deadline) {
      throw new Error(`${namespace}/${name}: ${running.length} of ${replicas} pods running (phases ${JSON.stringify(pods.map((p) => p.status?.phase))}); see .cluster/logs/kubelet.log`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
