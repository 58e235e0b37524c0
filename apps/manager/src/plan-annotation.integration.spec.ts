import { PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import type { ExperimentPlan } from "@faultline/api";
import { createContainerRuntimeClient, type ContainerRuntimeClient } from "@faultline/cri-client";
import { deployBusybox, eventually as eventuallyWithin, processesInPidNamespaceOf, type AppProcess } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";

// The plan annotation end to end on the local cluster's real kubelet: a PodChaos (pod-failure) and a
// StressChaos carrying faultline.chaos-mesh.org/plan get status.plan from the built manager (the pods,
// their node, the JSON Patch and the stress-ng commands), and nothing is injected; once the
// annotation goes, the PodChaos runs and does what its plan said.
const podchaos = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const stresschaos = { group: "chaos-mesh.org", version: "v1alpha1", plural: "stresschaos" };
const planAnnotation = { "faultline.chaos-mesh.org/plan": "true" };
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000) => eventuallyWithin(what, probe, timeoutMs);

interface Planned {
  status?: { plan?: ExperimentPlan; conditions?: { type: string; status: string; reason?: string }[]; experiment?: { containerRecords?: unknown[] } };
}

describe("the plan annotation end to end on real kubelet pods", () => {
  let ground: KubeletGround;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns: KubeletGround["ns"];
  let manager: AppProcess;
  let runtime: ContainerRuntimeClient;

  beforeAll(async () => {
    ground = await startKubeletGround("plan-e2e");
    ({ core, custom, ns } = ground);
    runtime = createContainerRuntimeClient({ sockets: { containerd: ground.cluster.containerdSocket } });
    manager = await startTestManager({ kubeconfigPath: ground.cluster.kubeconfigPath, namespace: ns.name, daemonSocket: ground.daemonSocket, httpPort: await freePort() });
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
    runtime?.close();
  }, 180_000);

  const create = (resource: typeof podchaos, kind: string, name: string, spec: object) =>
    custom.createNamespacedCustomObject({ ...resource, namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind, metadata: { name, annotations: planAnnotation }, spec } });
  const get = async (resource: typeof podchaos, name: string) => (await custom.getNamespacedCustomObject({ ...resource, namespace: ns.name, name })) as Planned;
  const planOf = (resource: typeof podchaos, name: string) => eventually(`${name}'s status.plan`, async () => (await get(resource, name)).status?.plan);
  const byId = (plan: ExperimentPlan) => [...plan.targets].sort((a, b) => (a.id < b.id ? -1 : 1));
  const images = async (pod: V1Pod) => (await core.readNamespacedPod({ namespace: ns.name, name: pod.metadata!.name! })).spec!.containers.map((c) => c.image);
  const deleteAndWaitGone = async (resource: typeof podchaos, name: string) => {
    await custom.deleteNamespacedCustomObject({ ...resource, namespace: ns.name, name });
    await eventually(`${name} to be deleted`, () => get(resource, name).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)));
  };

  it("PodChaos pod-failure and StressChaos: status.plan names each pod, its node, the patch and the stress-ng argv; nothing is injected until the annotation goes", async () => {
    const pods = (await deployBusybox(ground.cluster.kubeConfig, ns.name, { name: "web", replicas: 2 })).sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
    const selector = { namespaces: [ns.name], labelSelectors: { app: "web" } };
    await create(podchaos, "PodChaos", "plan-failure", { action: "pod-failure", mode: "one", duration: "10m", selector });
    await create(stresschaos, "StressChaos", "plan-stress", { mode: "all", duration: "10m", selector, stressors: { cpu: { workers: 1, load: 20 } } });

    const failurePlan = await planOf(podchaos, "plan-failure");
    expect(failurePlan).toMatchObject({ mode: "one", candidates: 2, picks: 1, randomness: "one of these 2 pods, picked at random at injection" });
    expect(byId(failurePlan).map((t) => [t.id, t.pod, t.node, t.capable])).toEqual(
      pods.map((p) => [`${ns.name}/${p.metadata!.name}`, `${ns.name}/${p.metadata!.name}`, p.spec!.nodeName, true]),
    );
    for (const target of failurePlan.targets) {
      const patch = target.steps[0]!.patch as { method: string; body: { op: string; path: string; value?: unknown }[] };
      expect(target.steps[0]!.on).toBe("api");
      expect(patch.method).toBe("PATCH");
      expect(patch.body).toEqual(expect.arrayContaining([expect.objectContaining({ op: "replace", path: "/spec/containers/0/image" })]));
    }

    const stressPlan = await planOf(stresschaos, "plan-stress");
    expect(stressPlan).toMatchObject({ mode: "all", candidates: 2, picks: 2, randomness: "all 2 pods; 1 container record per pod" });
    expect(byId(stressPlan).map((t) => [t.id, t.container, t.node])).toEqual(pods.map((p) => [`${ns.name}/${p.metadata!.name}/busybox`, "busybox", p.spec!.nodeName]));
    for (const [i, target] of byId(stressPlan).entries()) {
      const containerId = pods[i]!.status!.containerStatuses![0]!.containerID!;
      expect(target).toMatchObject({ capable: true, steps: [{ on: "daemon", rpc: "ExecStressors", request: { target: containerId, cpuStressors: "--cpu-load-slice 10 --cpu-method sqrt --cpu 1 --cpu-load 20" } }] });
      const [argv] = target.steps[0]!.argv!;
      expect(argv).toEqual(expect.arrayContaining(["nsenter", `--target=<host pid of ${containerId}>`, "stress-ng", "--cpu", "1", "--cpu-load", "20"]));
    }

    // planned, not injected: no record, Paused for PlanOnly, the pods' images and processes untouched
    for (const [resource, name] of [[podchaos, "plan-failure"], [stresschaos, "plan-stress"]] as const) {
      const { status } = await get(resource, name);
      expect(status?.experiment?.containerRecords).toBeUndefined();
      expect(status?.conditions).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: "Paused", status: "True", reason: "PlanOnly" }), expect.objectContaining({ type: "Selected", status: "True", reason: "Planned" })]),
      );
    }
    for (const pod of pods) {
      expect(await images(pod)).toEqual(["docker.io/library/busybox:latest"]);
      const pid = await runtime.getPid(pod.status!.containerStatuses![0]!.containerID!);
      expect(processesInPidNamespaceOf(pid).filter((p) => p.comm.startsWith("stress-ng"))).toEqual([]);
    }

    // the annotation removed: the PodChaos runs, and the pod it picks gets the image its plan named
    await custom.patchNamespacedCustomObject(
      { ...podchaos, namespace: ns.name, name: "plan-failure", body: { metadata: { annotations: { "faultline.chaos-mesh.org/plan": null } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const failed = await eventually("one pod on the planned image", async () => {
      for (const pod of pods) if ((await images(pod))[0] !== "docker.io/library/busybox:latest") return pod;
      return undefined;
    });
    const planned = failurePlan.targets.find((t) => t.pod === `${ns.name}/${failed.metadata!.name}`)!;
    const replaced = (planned.steps[0]!.patch as { body: { op: string; path: string; value?: unknown }[] }).body.find((op) => op.op === "replace" && op.path === "/spec/containers/0/image");
    expect(await images(failed)).toEqual([replaced!.value]);
    expect((await get(podchaos, "plan-failure")).status?.plan).toBeUndefined();

    await deleteAndWaitGone(podchaos, "plan-failure");
    await deleteAndWaitGone(stresschaos, "plan-stress");
    expect(await images(failed)).toEqual(["docker.io/library/busybox:latest"]);
  }, 300_000);
});
