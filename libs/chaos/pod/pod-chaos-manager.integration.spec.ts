import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { Record } from "@faultline/api";
import { createContainerRuntimeClient } from "@faultline/cri-client";
import { DaemonHandlerRegistry, containerHandlers, createDaemonLogger, createDaemonServer } from "@faultline/daemon-server";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { createKubernetesPodSource } from "@faultline/selector";
import { createTestNamespace, deployBusybox, localCluster, eventually as eventuallyWithin } from "@faultline/test-ground";
import { defaultPauseImage, podChaosManager } from "./pod-chaos-manager.js";
import type { PodChaos } from "./pod-chaos-crd.js";

// The PodChaos manager side on the local cluster's real kubelet: Deployments of busybox whose
// containers run for real, a daemon server with the container RPCs on the kubelet's containerd.
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000) => eventuallyWithin(what, probe, timeoutMs);

describe("podChaosManager on real kubelet pods", () => {
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let ns: Awaited<ReturnType<typeof createTestNamespace>>;
  let impl: ReturnType<typeof podChaosManager>;
  let server: ReturnType<typeof createDaemonServer>;
  let runtime: ReturnType<typeof createContainerRuntimeClient>;
  let pool: ReturnType<typeof createDaemonClientPool>;
  let dir: string;
  const daemonLines: { [key: string]: unknown }[] = [];

  beforeAll(async () => {
    const cluster = await localCluster("full");
    kubeConfig = cluster.kubeConfig;
    core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
    ns = await createTestNamespace(cluster.kubeConfig, "podchaos");
    dir = mkdtempSync(join(tmpdir(), "faultline-podchaos-"));
    const stream = new PassThrough();
    stream.on("data", (c: Buffer) => c.toString().split("\n").filter(Boolean).forEach((l) => daemonLines.push(JSON.parse(l))));
    runtime = createContainerRuntimeClient({ sockets: { containerd: cluster.containerdSocket } });
    server = createDaemonServer({
      handlers: new DaemonHandlerRegistry().register("container", containerHandlers({ runtime })),
      logger: createDaemonLogger({ format: "json", stream }),
    });
    await server.listen({ socketPath: join(dir, "daemon.sock") });
    pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${join(dir, "daemon.sock")}`) });
    const pods = createKubernetesPodSource(core);
    const customObjects = cluster.kubeConfig.makeApiClient(CustomObjectsApi); // the PDB reads of pod-failure (none here)
    impl = podChaosManager({ decoder: createRecordDecoder({ pods, daemons: pool }), pods, core, customObjects, log: () => {} });
  }, 300_000);

  afterAll(async () => {
    pool?.close();
    await server?.close(1000);
    runtime?.close();
    await ns?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  const chaos = (spec: Partial<PodChaos["spec"]>, uid = "podchaos-uid-1"): PodChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "PodChaos",
    metadata: { namespace: ns.name, name: "pod-chaos", uid },
    spec: { selector: { namespaces: [ns.name] }, mode: "one", action: "pod-kill", ...spec },
  });
  const ctx = () => ({ signal: new AbortController().signal, namespacedName: `${ns.name}/pod-chaos` });
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });
  const readPod = (name: string) => core.readNamespacedPod({ namespace: ns.name, name }).catch(() => undefined);
  const listPods = async (app: string) => (await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=${app}` })).items;
  const ready = (pod: V1Pod | undefined) => pod?.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

  it("pod-kill deletes the pod with the grace period asked; its ReplicaSet replaces it (new uid)", async () => {
    const [pod] = await deployBusybox(kubeConfig, ns.name, { name: "killed", replicas: 1 });
    const name = pod!.metadata!.name!;
    await expect(impl.apply(ctx(), 0, [record(`${ns.name}/${name}`)], chaos({ action: "pod-kill", gracePeriod: 30 }))).resolves.toBe("Injected");
    // busybox's sleep ignores SIGTERM as PID 1, so the pod stays terminating with the period asked
    const terminating = await readPod(name);
    expect(terminating?.metadata?.deletionGracePeriodSeconds).toBe(30);
    await core.deleteNamespacedPod({ namespace: ns.name, name, gracePeriodSeconds: 0 });
    const replacement = await eventually("a replacement pod", async () => {
      const running = (await listPods("killed")).filter((p) => p.metadata?.uid !== pod!.metadata!.uid && p.status?.phase === "Running");
      return running[0];
    });
    expect(replacement.metadata?.uid).not.toBe(pod!.metadata!.uid);
    // gracePeriod 0 (the default): gone at once
    await impl.apply(ctx(), 0, [record(`${ns.name}/${replacement.metadata!.name}`)], chaos({ action: "pod-kill" }));
    await eventually("the pod to be gone", async () => ((await readPod(replacement.metadata!.name!)) === undefined ? true : undefined), 30_000);
  }, 180_000);

  it("container-kill kills the container through the daemon; the kubelet restarts it (restartCount + 1)", async () => {
    const [pod] = await deployBusybox(kubeConfig, ns.name, { name: "ck", replicas: 1 });
    const name = pod!.metadata!.name!;
    const before = pod!.status!.containerStatuses![0]!;
    await expect(impl.apply(ctx(), 0, [record(`${ns.name}/${name}/busybox`)], chaos({ action: "container-kill", containerNames: ["busybox"] }))).resolves.toBe(
      "Injected",
    );
    expect(daemonLines).toContainEqual(
      expect.objectContaining({ method: "ContainerKillMany", message: "ContainerKillMany: done", containerIds: [before.containerID], namespacedName: `${ns.name}/pod-chaos` }),
    );
    const after = await eventually("the container to run again", async () => {
      const status = (await readPod(name))?.status?.containerStatuses?.[0];
      return status && status.restartCount === before.restartCount + 1 && status.state?.running ? status : undefined;
    });
    expect(after.containerID).not.toBe(before.containerID);
  }, 180_000);

  it("pod-failure runs the pause image in every container until recovery puts the originals back", async () => {
    const [pod] = await deployBusybox(kubeConfig, ns.name, { name: "failing", replicas: 1 });
    const name = pod!.metadata!.name!;
    const obj = chaos({ action: "pod-failure", duration: "1h" });
    await expect(impl.apply(ctx(), 0, [record(`${ns.name}/${name}`)], obj)).resolves.toBe("Injected");
    const failed = await eventually("the pod to run pause and not be Ready", async () => {
      const p = await readPod(name);
      return p?.spec?.containers[0]?.image === defaultPauseImage && !ready(p) ? p : undefined;
    });
    expect(JSON.parse(failed.metadata!.annotations!["pod-failure.chaos-mesh.org/busybox"]!)).toEqual({ image: "docker.io/library/busybox:latest", by: ["podchaos-uid-1"] });
    // applying again changes nothing (idempotent: a retry after a lost status write is harmless)
    await impl.apply(ctx(), 0, [record(`${ns.name}/${name}`)], obj);
    const again = await readPod(name);
    expect(again?.metadata?.annotations).toEqual(failed.metadata?.annotations);
    expect(again?.spec?.containers.map((c) => c.image)).toEqual([defaultPauseImage]);

    await expect(impl.recover(ctx(), 0, [record(`${ns.name}/${name}`)], obj)).resolves.toBe("Not Injected");
    const restored = await eventually("the original image back and the pod Ready", async () => {
      const p = await readPod(name);
      return p?.spec?.containers[0]?.image === "docker.io/library/busybox:latest" && ready(p) ? p : undefined;
    });
    expect(restored.metadata?.annotations?.["pod-failure.chaos-mesh.org/busybox"]).toBeUndefined();
    expect(restored.metadata?.uid).toBe(pod!.metadata!.uid); // the same pod, not a replacement
  }, 240_000);

  it("recovering a pod that is gone, or recreated under its name, counts as recovered and touches nothing", async () => {
    await expect(impl.recover(ctx(), 0, [record(`${ns.name}/no-such-pod`)], chaos({ action: "pod-failure" }))).resolves.toBe("Not Injected");
    const [pod] = await deployBusybox(kubeConfig, ns.name, { name: "other", replicas: 1 });
    const before = pod!.metadata!.resourceVersion;
    await expect(impl.recover(ctx(), 0, [record(`${ns.name}/${pod!.metadata!.name}`)], chaos({ action: "pod-failure" }, "another-uid"))).resolves.toBe("Not Injected");
    expect((await readPod(pod!.metadata!.name!))?.metadata?.resourceVersion).toBe(before);
    await apps.deleteNamespacedDeployment({ namespace: ns.name, name: "other" });
  }, 120_000);
});
