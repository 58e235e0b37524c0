import { AppsV1Api, PatchStrategy, setHeaderOptions, type CoreV1Api, type CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import type { StressChaos } from "@faultline/chaos/stress";
import { createContainerRuntimeClient, type ContainerRuntimeClient } from "@faultline/cri-client";
import { cpuRate, memoryUsageBytes, processesInPidNamespaceOf, eventually as eventuallyWithin, type AppProcess } from "@faultline/test-ground";
import { readFileSync, readdirSync } from "node:fs";
import { parse } from "yaml";
import { freePort, startKubeletGround, startTestDaemon, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";

// StressChaos end to end on the local cluster's real kubelet: Chaos Mesh's example manifests
// (selectors and namespace adapted to the test's pods), the built manager and daemon as processes,
// the stress measured in the target container's own cgroup.
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "stresschaos" };
const MiB = 2 ** 20;
// Chaos Mesh's StressChaos example manifests, the fixtures the CRD's own test applies
const examplesDir = new URL("../../../libs/chaos/stress/examples/", import.meta.url);
const chaosMeshStressExamples = (): { [name: string]: StressChaos } =>
  Object.fromEntries(readdirSync(examplesDir).filter((f) => f.endsWith(".yaml")).map((f) => [f.slice(0, -5), parse(readFileSync(new URL(f, examplesDir), "utf8"))]));
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) => eventuallyWithin(what, probe, timeoutMs);

describe("StressChaos end to end on real kubelet pods", () => {
  let ground: KubeletGround;
  let cluster: KubeletGround["cluster"];
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let ns: KubeletGround["ns"];
  let manager: AppProcess;
  let restartedDaemon: AppProcess | undefined;
  let runtime: ContainerRuntimeClient;
  let httpPort: number;
  const examples = chaosMeshStressExamples();
  const startManager = () => startTestManager({ kubeconfigPath: cluster.kubeconfigPath, namespace: ns.name, daemonSocket: ground.daemonSocket, httpPort });

  beforeAll(async () => {
    ground = await startKubeletGround("stresschaos-e2e");
    ({ cluster, core, custom, ns } = ground);
    runtime = createContainerRuntimeClient({ sockets: { containerd: cluster.containerdSocket } });
    httpPort = await freePort();
    manager = await startManager();
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await restartedDaemon?.stop(); // the ground stops the daemon it started, which the restart test killed
    await ground?.stop();
    runtime?.close();
  }, 180_000);

  /** A Deployment of one busybox pod labelled `app=<app>`, with a memory limit; resolves with the container's host pid. */
  const deployTarget = async (app: string, memoryLimit = "512Mi"): Promise<{ pod: V1Pod; pid: number }> => {
    await cluster.kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace: ns.name,
      body: {
        metadata: { name: app },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: {
              terminationGracePeriodSeconds: 0,
              containers: [{ name: "busybox", image: "docker.io/library/busybox:latest", imagePullPolicy: "Never", command: ["sleep", "3600"], resources: { limits: { memory: memoryLimit } } }],
            },
          },
        },
      },
    });
    const pod = await eventually(`${app} running`, async () => (await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=${app}` })).items.find((p) => p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.containerID));
    return { pod, pid: await runtime.getPid(pod.status!.containerStatuses![0]!.containerID!) };
  };
  const create = (name: string, spec: object) =>
    custom.createNamespacedCustomObject({ ...group, namespace: ns.name, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "StressChaos", metadata: { name }, spec } });
  const get = async (name: string) => (await custom.getNamespacedCustomObject({ ...group, namespace: ns.name, name })) as StressChaos;
  const condition = (obj: StressChaos, type: string) => obj.status?.conditions?.find((c) => c.type === type)?.status;
  const until = (name: string, type: string) => eventually(`${name} ${type}`, async () => (condition(await get(name), type) === "True" ? true : undefined));
  const deleteAndWaitGone = async (name: string) => {
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns.name, name });
    await eventually(`${name} to be deleted`, () => get(name).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)));
  };
  const annotate = (name: string, annotations: { [k: string]: string | null }) =>
    custom.patchNamespacedCustomObject({ ...group, namespace: ns.name, name, body: { metadata: { annotations } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
  const stressorsIn = (pid: number) => processesInPidNamespaceOf(pid).filter((p) => p.comm.startsWith("stress-ng"));
  /** An example's spec, its selector aimed at the test's pod. */
  const exampleSpec = (name: string, app: string) => ({ ...examples[name]!.spec, selector: { namespaces: [ns.name], labelSelectors: { app } } });

  it("memory-stress-example (Chaos Mesh's docs): the container's cgroup holds about 256 MB more; deletion gives it back", async () => {
    const { pid } = await deployTarget("mem", "768Mi");
    const before = memoryUsageBytes(pid);
    await create("memory-stress-example", exampleSpec("memory-stress-example", "mem"));
    await until("memory-stress-example", "AllInjected");
    const taken = await eventually("256 MB taken", async () => {
      const used = memoryUsageBytes(pid) - before;
      return used > 240e6 ? used : undefined;
    }, 30_000);
    expect(taken).toBeLessThan(256e6 + 40 * MiB);
    expect(stressorsIn(pid).filter((p) => p.comm === "stress-ng-vm").length).toBeGreaterThanOrEqual(4);
    await deleteAndWaitGone("memory-stress-example");
    expect(stressorsIn(pid)).toEqual([]);
    await eventually("the memory back", async () => (memoryUsageBytes(pid) - before < 16 * MiB ? true : undefined), 30_000);
  }, 240_000);

  it("burn-cpu (Chaos Mesh's example, 30s): one CPU busy in the container, then idle when the duration has passed", async () => {
    const { pid } = await deployTarget("cpu");
    await create("burn-cpu", exampleSpec("burn-cpu", "cpu"));
    await until("burn-cpu", "AllInjected");
    // 1 worker × 100%: one CPU, as far as the two cores this machine shares with other work allow
    // (the load × workers ratio itself is measured in stress-chaos-daemon.integration.spec.ts)
    expect(await cpuRate(pid, 4000)).toBeGreaterThan(0.25);
    await until("burn-cpu", "AllRecovered");
    expect(stressorsIn(pid)).toEqual([]);
    expect(await cpuRate(pid, 2000)).toBeLessThan(0.05);
    await deleteAndWaitGone("burn-cpu");
  }, 240_000);

  it("pod-oom (Chaos Mesh's example): accepted; where the daemon may lower oom_score_adj the container is OOM-killed, else the record fails clearly and nothing runs", async () => {
    const { pod, pid } = await deployTarget("oom", "128Mi");
    await create("pod-oom", exampleSpec("pod-oom", "oom"));
    const canLower = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]!;
    if (((BigInt(`0x${canLower}`) >> 24n) & 1n) === 1n) {
      await eventually("the container OOM-killed", async () => {
        const status = (await core.readNamespacedPod({ namespace: ns.name, name: pod.metadata!.name! })).status?.containerStatuses?.[0];
        return status?.lastState?.terminated?.reason === "OOMKilled" ? true : undefined;
      });
    } else {
      const failed = await eventually("a Failed Apply event", async () =>
        (await get("pod-oom")).status?.experiment?.containerRecords?.[0]?.events?.find((e) => e.type === "Failed" && e.operation === "Apply"),
      );
      expect(failed.message).toMatch(/lowering it needs CAP_SYS_RESOURCE/);
      expect(stressorsIn(pid)).toEqual([]);
    }
    await deleteAndWaitGone("pod-oom");
    expect(stressorsIn(pid)).toEqual([]);
  }, 240_000);

  it("stressngStressors is run as it says (Chaos Mesh drops it), and pause/resume stop and restart it", async () => {
    const { pid } = await deployTarget("raw");
    await create("raw-stressng", { selector: { namespaces: [ns.name], labelSelectors: { app: "raw" } }, mode: "one", stressngStressors: "--cpu 1 --cpu-load 50 --vm 1 --vm-bytes 32M --vm-keep --vm-hang 0" });
    await until("raw-stressng", "AllInjected");
    await eventually("a cpu and a vm worker", async () => {
      const names = stressorsIn(pid).map((p) => p.comm);
      return names.includes("stress-ng-cpu") && names.includes("stress-ng-vm") ? true : undefined;
    }, 30_000);
    await annotate("raw-stressng", { "experiment.chaos-mesh.org/pause": "true" });
    await until("raw-stressng", "AllRecovered");
    expect(stressorsIn(pid)).toEqual([]);
    await annotate("raw-stressng", { "experiment.chaos-mesh.org/pause": null });
    await until("raw-stressng", "AllInjected");
    await eventually("the workers again", async () => (stressorsIn(pid).some((p) => p.comm === "stress-ng-cpu") ? true : undefined), 30_000);
    await deleteAndWaitGone("raw-stressng");
    expect(stressorsIn(pid)).toEqual([]);
  }, 240_000);

  it("stressors gone while Injected (a lease ran out, a crash) are started again, and still stopped on deletion", async () => {
    const { pid } = await deployTarget("lost");
    await create("lost-stressors", { selector: { namespaces: [ns.name], labelSelectors: { app: "lost" } }, mode: "one", stressngStressors: "--cpu 1 --cpu-load 20" });
    await until("lost-stressors", "AllInjected");
    await eventually("a cpu worker", async () => (stressorsIn(pid).some((p) => p.comm === "stress-ng-cpu") ? true : undefined), 30_000);
    // what a daemon's lease does to a stressor no manager renewed: every stress-ng process gone
    for (const p of stressorsIn(pid)) process.kill(p.pid, "SIGKILL");
    await eventually("none left", async () => (stressorsIn(pid).length === 0 ? true : undefined), 10_000);
    // the pipeline's lost-injection check (every 10 s) sees the record Injected with nothing running
    await eventually("the cpu worker started again", async () => (stressorsIn(pid).some((p) => p.comm === "stress-ng-cpu") ? true : undefined), 40_000);
    expect(condition(await get("lost-stressors"), "AllInjected")).toBe("True");
    await deleteAndWaitGone("lost-stressors");
    expect(stressorsIn(pid)).toEqual([]);
  }, 240_000);

  it("restarts: the daemon SIGKILLed while stressors run, then the manager too; deleting the experiment stops every stressor", async () => {
    const targets = await Promise.all(["r1", "r2", "r3"].map((app) => deployTarget(app)));
    await create("restarts", {
      selector: { namespaces: [ns.name], expressionSelectors: [{ key: "app", operator: "In", values: ["r1", "r2", "r3"] }] },
      mode: "all",
      stressors: { cpu: { workers: 1, load: 20 }, memory: { workers: 1, size: "16MB" } },
    });
    await until("restarts", "AllInjected");
    for (const { pid } of targets) await eventually("stressors in each target", async () => (stressorsIn(pid).length >= 4 ? true : undefined), 30_000);
    // the daemon dies hard: its stressors run on, orphans the daemon no longer holds
    await ground.daemon.kill();
    for (const { pid } of targets) expect(stressorsIn(pid).some((p) => p.comm === "stress-ng-cpu")).toBe(true);
    ({ daemon: restartedDaemon } = await startTestDaemon(ground.daemonSocket, cluster.containerdSocket));
    await manager.kill();
    manager = await startManager();
    await deleteAndWaitGone("restarts");
    for (const { pid } of targets) expect(stressorsIn(pid)).toEqual([]);
  }, 300_000);
});
