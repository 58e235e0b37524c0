import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { createKubernetesPodSource } from "@faultline/selector";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";

/**
 * One HelloWorldChaos record applied by hand: the record's pod read from the API server, the
 * container's id from the pod's status, and ExecHelloWorldChaos on the daemon of the pod's node,
 * sent with `namespaced-name: <namespace>/<name>` of the chaos object. `daemonAddress` is a local-run
 * override ("host:port" or "unix:/path"); in a cluster, use
 * createEndpointSliceDaemonLocator({ discovery, namespace }) instead. Answers the node.
 */
export async function applyHelloWorld(
  kubeConfig: KubeConfig,
  daemonAddress: string,
  chaos: { namespace: string; name: string },
  recordId: string, // "ns/pod/container"
): Promise<string> {
  const daemons = createDaemonClientPool({ locator: createStaticDaemonLocator(daemonAddress) });
  try {
    const pods = createKubernetesPodSource(kubeConfig.makeApiClient(CoreV1Api)); // @faultline/selector's PodSource
    const decoder = createRecordDecoder({ pods, daemons });
    const { containerId, nodeName, daemon } = await decoder.decodeContainer(recordId, { metadata: chaos });
    await daemon.execHelloWorldChaos({ containerId }); // sends namespaced-name
    return nodeName;
  } finally {
    daemons.close();
  }
}
