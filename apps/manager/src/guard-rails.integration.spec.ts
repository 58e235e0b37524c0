import { PatchStrategy, PolicyV1Api, setHeaderOptions, type CoreV1Api, type CoreV1Event, type CustomObjectsApi, type V1Pod } from "@kubernetes/client-node";
import type { PodChaos } from "@faultline/chaos/pod";
import { deployBusybox, type AppProcess, eventually as eventuallyWithin } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";

// The guard rails end to end on the local cluster's real kubelet, through the built manager and
// daemon: the blast radius (--max-records 2) refusing three pods until the override annotation,
// a PodDisruptionBudget (minAvailable 2 of 3: one disruption allowed) honoured by pod-failure (Wait:
// one pod failed, the others wait with an Event naming the PDB) and by pod-kill through the Eviction
// API (Skip: one pod evicted, the others skipped), and a protected namespace named in an Event.
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "podchaos" };
const overrideAnnotation = "faultline.chaos-mesh.org/blast-radius-override";
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) => eventuallyWithin(what, probe, timeoutMs);

describe("guard rails on real kubelet pods", () => {
  let ground: KubeletGround;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let policy: PolicyV1Api;
  let ns: string;
  let manager: AppProcess;

  beforeAll(async () => {
    ground = await startKubeletGround("guard-rails");
    ({ core, custom } = ground);
    ns = ground.ns.name;
    policy = ground.cluster.kubeConfig.makeApiClient(PolicyV1Api);
    manager = await startTestManager({
      kubeconfigPath: ground.cluster.kubeconfigPath,
      namespace: ns,
      daemonSocket: ground.daemonSocket,
      httpPort: await freePort(),
      extraArgs: ["--max-records", "2", "--protected-namespaces", "kube-system"],
    });
    await deployBusybox(ground.cluster.kubeConfig, ns, { name: "web", replicas: 3 });
    await policy.createNamespacedPodDisruptionBudget({ namespace: ns, body: { metadata: { name: "web" }, spec: { minAvailable: 2, selector: { matchLabels: { app: "web" } } } } });
    await pdbAllows(1);
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
  }, 180_000);

  const pdbAllows = (n: number) =>
    eventually(`PDB web to allow ${n} disruption(s) with 3 healthy pods`, async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: "web" });
      return pdb.status?.disruptionsAllowed === n && pdb.status.currentHealthy === 3 ? true : undefined;
    });
  const create = (name: string, spec: object, annotations: { [key: string]: string } = {}) =>
    custom.createNamespacedCustomObject({ ...group, namespace: ns, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "PodChaos", metadata: { name, annotations }, spec } });
  const get = async (name: string) => (await custom.getNamespacedCustomObject({ ...group, namespace: ns, name })) as PodChaos;
  const conditionOf = (obj: PodChaos, type: string) => obj.status?.conditions?.find((c) => c.type === type);
  const eventsOf = async (name: string, reason: string): Promise<CoreV1Event[]> =>
    (await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name},reason=${reason}` })).items;
  const webPods = async () => (await core.listNamespacedPod({ namespace: ns, labelSelector: "app=web" })).items.filter((p) => !p.metadata?.deletionTimestamp);
  const paused = (pod: V1Pod) => pod.spec!.containers[0]!.image !== "docker.io/library/busybox:latest";
  const deleteAndWaitGone = async (name: string) => {
    await custom.deleteNamespacedCustomObject({ ...group, namespace: ns, name });
    await eventually(`${name} to be deleted`, () => get(name).then(() => undefined, (e: { code?: number }) => (e.code === 404 ? true : undefined)));
  };

  it("refuses an experiment above the blast radius (Selected=False BlastRadiusExceeded, an Event, nothing injected); the override annotation lets it run, and pod-failure then waits on the PDB", async () => {
    await create("all-web", { action: "pod-failure", mode: "all", duration: "10m", selector: { labelSelectors: { app: "web" } } });
    const refused = await eventually("Selected=False BlastRadiusExceeded", async () => {
      const selected = conditionOf(await get("all-web"), "Selected");
      return selected?.reason === "BlastRadiusExceeded" ? selected : undefined;
    });
    expect(refused.status).toBe("False");
    expect(refused.message).toContain("3 records selected, the manager allows at most 2 per experiment");
    expect(refused.message).toContain(`add the annotation ${overrideAnnotation}: "true"`);
    const event = await eventually("the refusal's Event", async () => (await eventsOf("all-web", "Failed")).find((e) => /blast radius exceeded/.test(e.message ?? "")));
    expect(event.type).toBe("Warning");
    expect((await get("all-web")).status?.experiment?.containerRecords).toBeUndefined();
    expect((await webPods()).filter(paused)).toHaveLength(0);

    // the override: three records; the PDB (minAvailable 2 of 3) lets exactly one pod fail, the other two wait
    await custom.patchNamespacedCustomObject(
      { ...group, namespace: ns, name: "all-web", body: { metadata: { annotations: { [overrideAnnotation]: "true" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    const records = await eventually("one record Injected, two waiting on the PDB", async () => {
      const rs = (await get("all-web")).status?.experiment?.containerRecords ?? [];
      const waiting = rs.filter((r) => r.phase === "Not Injected" && r.events?.at(-1)?.message?.startsWith("waiting: PodDisruptionBudget"));
      return rs.length === 3 && rs.filter((r) => r.phase === "Injected").length === 1 && waiting.length === 2 ? rs : undefined;
    });
    const waitingMessage = records.find((r) => r.phase === "Not Injected")!.events!.at(-1)!.message!;
    expect(waitingMessage).toMatch(new RegExp(`^waiting: PodDisruptionBudget ${ns}/web allows no more disruption: 2 of its 3 pods healthy, at least 2 must stay healthy \\(spec.podDisruptionBudget: Wait\\)$`));
    const waitingEvent = await eventually("a Waiting Event naming the PDB", async () => (await eventsOf("all-web", "Waiting")).find((e) => e.message?.includes(`PodDisruptionBudget ${ns}/web`)));
    expect(waitingEvent.type).toBe("Normal");
    const failed = await eventually("exactly one pod on the pause image", async () => {
      const now = (await webPods()).filter(paused);
      return now.length === 1 ? now : undefined;
    });
    expect(`${ns}/${failed[0]!.metadata!.name}`).toBe(records.find((r) => r.phase === "Injected")!.id);
    expect(conditionOf(await get("all-web"), "AllInjected")).toMatchObject({ status: "False", message: "1 of 3 record(s) injected, 2 waiting on a guard rail (see the records' events)" });
    // still only one after several retries of the waiting records (they are tried at least every 10 s)
    await eventually("the waiting records retried", async () => {
      const rs = (await get("all-web")).status?.experiment?.containerRecords ?? [];
      return rs.filter((r) => r.phase === "Not Injected").every((r) => (r.events ?? []).filter((e) => e.message?.startsWith("waiting: ")).length >= 2) ? true : undefined;
    });
    expect((await webPods()).filter(paused)).toHaveLength(1);

    await deleteAndWaitGone("all-web");
    await eventually("every pod back on its image", async () => ((await webPods()).filter(paused).length === 0 ? true : undefined));
  }, 300_000);

  it("pod-kill evicts through the API server, which enforces the PDB: one pod killed, the others skipped (Skip) with an Event; a protected namespace in the selector is named in an Event", async () => {
    await pdbAllows(1);
    const before = new Set((await webPods()).map((p) => p.metadata!.uid));
    await create(
      "kill-web",
      { action: "pod-kill", mode: "all", podDisruptionBudget: "Skip", selector: { namespaces: [ns, "kube-system"], labelSelectors: { app: "web" } } },
      { [overrideAnnotation]: "true" },
    );
    const records = await eventually("one record Injected, two skipped", async () => {
      const rs = (await get("kill-web")).status?.experiment?.containerRecords ?? [];
      return rs.length === 3 && rs.every((r) => r.phase === "Injected" || r.phase === "Not Injected/Skipped") ? rs : undefined;
    });
    expect(records.filter((r) => r.phase === "Injected")).toHaveLength(1);
    const skipped = records.filter((r) => r.phase === "Not Injected/Skipped");
    expect(skipped).toHaveLength(2);
    for (const r of skipped) {
      expect(r.events!.at(-1)!.message).toMatch(/^skipped: eviction refused by the API server: .*disruption budget web.* \(spec.podDisruptionBudget: Skip\)$/);
    }
    const skippedEvents = await eventually("two Skipped Events", async () => {
      const events = await eventsOf("kill-web", "Skipped");
      return events.length === 2 ? events : undefined;
    });
    expect(skippedEvents.every((e) => /disruption budget web/.test(e.message ?? ""))).toBe(true);
    // exactly the injected record's pod was killed; the skipped ones live on
    const killed = records.find((r) => r.phase === "Injected")!.id.split("/")[1];
    const alive = await webPods();
    expect(alive.some((p) => p.metadata!.name === killed)).toBe(false);
    for (const r of skipped) expect(alive.some((p) => p.metadata!.name === r.id.split("/")[1] && before.has(p.metadata!.uid))).toBe(true);

    const [protectedEvent] = await eventually("the ProtectedNamespace Event", async () => {
      const events = await eventsOf("kill-web", "ProtectedNamespace");
      return events.length > 0 ? events : undefined;
    });
    expect(protectedEvent!.type).toBe("Warning");
    expect(protectedEvent!.message).toBe("namespace kube-system is protected (the manager's --protected-namespaces): no pod there is targeted");
    await deleteAndWaitGone("kill-web");
  }, 300_000);

  it("refuses an experiment that names only a protected namespace: Selected=False ProtectedNamespace, one Warning Event naming it", async () => {
    await create("system-only", { action: "pod-kill", mode: "all", selector: { namespaces: ["kube-system"] } });
    const selected = await eventually("Selected=False ProtectedNamespace", async () => {
      const condition = conditionOf(await get("system-only"), "Selected");
      return condition?.reason === "ProtectedNamespace" ? condition : undefined;
    });
    expect(selected.message).toBe("Failed to select targets: no pod is selected: namespace kube-system is protected (the manager's --protected-namespaces)");
    const events = await eventually("its Event", async () => {
      const failed = await eventsOf("system-only", "Failed");
      return failed.length > 0 ? failed : undefined;
    });
    expect(events).toHaveLength(1); // one Event object (repeats, on resyncs, only raise its count)
    expect(events[0]!.message).toContain("namespace kube-system is protected");
    await deleteAndWaitGone("system-only");
  }, 120_000);
});
