import type { CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import type { HelloWorldChaos } from "@faultline/chaos/helloworld";
import { deployBusybox, type AppProcess } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";

// The seed's flow on a real node: a busybox Deployment run by the local cluster's kubelet, the
// daemon on that node's containerd, the manager reaching it, the seed's HelloWorldChaos manifest.
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("manager end to end on real kubelet pods", () => {
  let ground: KubeletGround;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns: KubeletGround["ns"];
  let daemon: AppProcess;
  let manager: AppProcess;

  beforeAll(async () => {
    ground = await startKubeletGround("busybox");
    ({ core, custom, ns, daemon } = ground);
    await deployBusybox(ground.cluster.kubeConfig, ns.name, { replicas: 2 });
    manager = await startTestManager({ kubeconfigPath: ground.cluster.kubeconfigPath, namespace: ns.name, daemonSocket: ground.daemonSocket, httpPort: await freePort() });
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
  }, 120_000);

  it("injects into every busybox container of the Deployment and recovers on deletion", async () => {
    // the seed's manifest, unchanged but for its namespace
    await custom.createNamespacedCustomObject({
      ...group,
      namespace: ns.name,
      body: {
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "HelloWorldChaos",
        metadata: { name: "busybox-helloworld-chaos" },
        spec: { selector: { namespaces: [ns.name] }, mode: "all", duration: "1h" },
      },
    });
    let obj: HelloWorldChaos | undefined;
    for (let i = 0; i < 150; i++) {
      obj = (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name: "busybox-helloworld-chaos" })) as HelloWorldChaos;
      if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
      await sleep(200);
    }
    const records = obj!.status!.experiment!.containerRecords!;
    expect(records).toHaveLength(2);
    expect(records.every((r) => r.phase === "Injected")).toBe(true);
    const pods = (await core.listNamespacedPod({ namespace: ns.name, labelSelector: "app=busybox" })).items;
    for (const pod of pods) {
      const containerId = pod.status!.containerStatuses![0]!.containerID!;
      expect(containerId).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
      const output = await daemon.waitFor((l) => l.message === "cmd output" && l["containerId"] === containerId);
      expect(String(output["output"])).toMatch(/^\s*1 root\s+(\S+\s+)?sleep 3600$/m);
      expect(String(output["output"]).trim().split("\n")).toHaveLength(2);
    }
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns.name, name: "busybox-helloworld-chaos" });
    for (let i = 0; i < 150; i++) {
      const gone = await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name: "busybox-helloworld-chaos" }).then(
        () => false,
        () => true,
      );
      if (gone) return;
      await sleep(200);
    }
    throw new Error("the chaos object was not deleted");
  }, 120_000);
});
