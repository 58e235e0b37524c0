import { createInMemoryDaemonClientPool, createRecordDecoder } from "@faultline/daemon-client";
import { createInMemoryPodSource } from "@faultline/selector";

/**
 * A kind's Apply as its unit test runs it: the pod from memory, the daemon in memory, nothing
 * started. Answers what the daemon was asked.
 */
export async function applyWithoutACluster(): Promise<string[]> {
  const asked: string[] = [];
  const daemons = createInMemoryDaemonClientPool(
    {
      async execHelloWorldChaos(req, ctx) {
        asked.push(`${ctx.requestHeader.get("namespaced-name")}: ExecHelloWorldChaos ${req.containerId}`);
        return {};
      },
    },
    { nodes: ["node-1"] }, // other nodes have no daemon (DaemonNotFoundError)
  );
  const pods = createInMemoryPodSource({
    pods: [
      {
        metadata: { namespace: "busybox", name: "busybox-0" },
        spec: { nodeName: "node-1", containers: [{ name: "busybox" }] },
        status: {
          containerStatuses: [
            { name: "busybox", containerID: "containerd://" + "a".repeat(64), image: "busybox", imageID: "", ready: true, restartCount: 0 },
          ],
        },
      },
    ],
  });
  const decoder = createRecordDecoder({ pods, daemons });
  const chaos = { metadata: { namespace: "busybox", name: "busybox-helloworld-chaos" } }; // the chaos object

  const { containerId, daemon } = await decoder.decodeContainer("busybox/busybox-0/busybox", chaos);
  await daemon.execHelloWorldChaos({ containerId });
  return asked;
}
