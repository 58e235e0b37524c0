import { AppsV1Api, PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import type { PodChaos } from "@faultline/chaos/pod";
import { deployBusybox, type AppProcess, eventually as eventuallyWithin } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";

// PodChaos end to end on the local cluster's real kubelet: Chaos Mesh's example manifests
// (namespaces and labels adapted to the test's), the built manager and daemon as processes.
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const busybox = "docker.io/library/busybox:latest";
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) => eventuallyWithin(what, probe, timeoutMs);

describe("PodChaos end to end on real kubelet pods", () => {
  let ground: KubeletGround;
  let cluster: KubeletGround["cluster"];
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns: KubeletGround["ns"];
  let daemon: AppProcess;
  let manager: AppProcess;
  let httpPort: number;
  const startManager = () => startTestManager({ kubeconfigPath: cluster.kubeconfigPath, namespace: ns.name, daemonSocket: ground.daemonSocket, httpPort });

  beforeAll(async () => {
    ground = await startKubeletGround("podchaos-e2e");
    ({ cluster, core, custom, ns, daemon } = ground);
    httpPort = await freePort();
    manager = await startManager();
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
  }, 180_000);

  const create = (name: string, spec: object) =>
    custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name }, spec } });
  const get = async (name: string) => (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })) as PodChaos;
  const condition = (obj: PodChaos, type: string) => obj.status?.conditions?.find((c) => c.type === type)?.status;
  const until = (name: string, type: string) => eventually(`${name} ${type}`, async () => (condition(await get(name), type) === "True" ? true : undefined));
  const deleteAndWaitGone = async (name: string) => {
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns.name, name });
    await eventually(`${name} to be deleted`, () => get(name).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)));
  };
  const pods = async (app: string) => (await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=${app}` })).items;
  const images = (pod: V1Pod) => pod.spec!.containers.map((c) => c.image);
  const ready = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
  const annotate = (name: string, annotations: { [k: string]: string | null }) =>
    custom.patchNamespacedCustomObject(
      { ...group, namespace: ns.name, name, body: { metadata: { annotations } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );

  it("pod-kill (Chaos Mesh's pod-kill example): the pod is replaced by its ReplicaSet", async () => {
    const [before] = await deployBusybox(cluster.kubeConfig, ns.name, { name: "kill-me", replicas: 1 });
    await create("pod-kill-example", { action: "pod-kill", mode: "one", selector: { namespaces: [ns.name], labelSelectors: { app: "kill-me" } } });
    await until("pod-kill-example", "AllInjected");
    const replaced = await eventually("a new pod running", async () => (await pods("kill-me")).find((p) => p.metadata!.uid !== before!.metadata!.uid && p.status?.phase === "Running"));
    expect(replaced.metadata!.uid).not.toBe(before!.metadata!.uid);
    expect((await pods("kill-me")).some((p) => p.metadata!.uid === before!.metadata!.uid && !p.metadata!.deletionTimestamp)).toBe(false);
    await deleteAndWaitGone("pod-kill-example");
  }, 240_000);

  it("container-kill (Chaos Mesh's example): the named container restarts once, killed through the daemon", async () => {
    const [pod] = await deployBusybox(cluster.kubeConfig, ns.name, { name: "ck", replicas: 1 });
    const containerId = pod!.status!.containerStatuses![0]!.containerID!;
    await create("container-kill-example", { action: "container-kill", mode: "one", containerNames: ["busybox"], selector: { labelSelectors: { app: "ck" } } });
    await until("container-kill-example", "AllInjected");
    await daemon.waitFor((l) => l["method"] === "ContainerKillMany" && Array.isArray(l["containerIds"]) && (l["containerIds"] as unknown[]).includes(containerId), 30_000);
    await eventually("restartCount 1 and running", async () => {
      const status = (await pods("ck"))[0]?.status?.containerStatuses?.[0];
      return status?.restartCount === 1 && status.state?.running ? true : undefined;
    });
    await deleteAndWaitGone("container-kill-example");
  }, 240_000);

  it("pod-failure (Chaos Mesh's example, duration 45s): pause image and not Ready, then the originals back; pause and resume re-inject", async () => {
    await deployBusybox(cluster.kubeConfig, ns.name, { name: "fail-me", replicas: 1 });
    await create("pod-failure-example", { action: "pod-failure", mode: "one", duration: "45s", selector: { labelSelectors: { app: "fail-me" } } });
    await until("pod-failure-example", "AllInjected");
    await eventually("the pause image and not Ready", async () => {
      const [p] = await pods("fail-me");
      return p && images(p)[0] !== busybox && !ready(p) ? true : undefined;
    });
    // pause: recovered; resume: injected again
    await annotate("pod-failure-example", { "experiment.chaos-mesh.org/pause": "true" });
    await until("pod-failure-example", "AllRecovered");
    await eventually("busybox back", async () => ((await pods("fail-me")).every((p) => images(p)[0] === busybox) ? true : undefined));
    await annotate("pod-failure-example", { "experiment.chaos-mesh.org/pause": null });
    await until("pod-failure-example", "AllInjected");
    await eventually("the pause image again", async () => ((await pods("fail-me")).every((p) => images(p)[0] !== busybox) ? true : undefined));
    // the duration passes: the originals come back and the pod is Ready
    await until("pod-failure-example", "AllRecovered");
    await eventually("busybox back and Ready", async () => ((await pods("fail-me")).every((p) => images(p)[0] === busybox && ready(p)) ? true : undefined));
    await deleteAndWaitGone("pod-failure-example");
  }, 300_000);

  it("restart safety: a manager SIGKILLed while injecting pod-failure is restarted, and deletion restores every pod; a pod deleted meanwhile does not block it", async () => {
    const replicas = 20;
    await deployBusybox(cluster.kubeConfig, ns.name, { name: "many", replicas, timeoutMs: 180_000 });
    await create("many-failures", { action: "pod-failure", mode: "all", selector: { labelSelectors: { app: "many" } } });
    await manager.waitFor((l) => l.message === "Apply pod chaos: pod-failure", 60_000);
    await manager.kill();
    manager = await startManager();
    await until("many-failures", "AllInjected");
    // a target deleted mid-experiment (its ReplicaSet makes a fresh pod, not a target)
    const [first] = (await pods("many")).filter((p) => images(p)[0] !== busybox);
    await core.deleteNamespacedPod({ namespace: ns.name, name: first!.metadata!.name!, gracePeriodSeconds: 0 });
    await deleteAndWaitGone("many-failures");
    const after = await pods("many");
    expect(after.filter((p) => !p.metadata!.deletionTimestamp).every((p) => images(p)[0] === busybox)).toBe(true);
    expect(after.every((p) => Object.keys(p.metadata!.annotations ?? {}).every((k) => !k.startsWith("pod-failure")))).toBe(true);
    await cluster.kubeConfig.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ namespace: ns.name, name: "many" });
  }, 420_000);
});
