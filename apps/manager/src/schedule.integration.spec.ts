import type { CustomObjectsApi, KubernetesObject } from "@kubernetes/client-node";
import { deployBusybox, eventually as eventuallyWithin, type AppProcess } from "@faultline/test-ground";
import { freePort, startKubeletGround, startTestManager, type KubeletGround } from "./manager-processes.test-support.js";

// Schedule end to end on the local cluster's real kubelet, through the built manager and daemon:
// a seconds-field schedule of HelloWorldChaos spawns a child per slot, each run by the records
// pipeline on a real container; the manager is SIGKILLed and restarted after missing slots, and no
// slot is run twice, no child spawned before the kill is lost, the missed window is run once (the
// CronJob rule), and the schedule goes on; deleting the Schedule deletes (so recovers) its children.
const v1 = { group: "chaos-mesh.org", version: "v1alpha1" };
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000) => eventuallyWithin(what, probe, timeoutMs, 250);
const slotAnnotation = "schedule.faultline.chaos-mesh.org/slot";
const periodS = 4;

type Obj = KubernetesObject & { status?: { conditions?: { type: string; status: string }[]; [k: string]: unknown } };

describe("Schedule end to end on real kubelet pods", () => {
  let ground: KubeletGround;
  let custom: CustomObjectsApi;
  let ns: string;
  let manager: AppProcess | undefined;
  let httpPort: number;
  const startManager = () => startTestManager({ kubeconfigPath: ground.cluster.kubeconfigPath, namespace: ns, daemonSocket: ground.daemonSocket, httpPort });

  beforeAll(async () => {
    ground = await startKubeletGround("schedule-e2e");
    ({ custom } = ground);
    ns = ground.ns.name;
    httpPort = await freePort();
    await deployBusybox(ground.cluster.kubeConfig, ns, { name: "target", replicas: 1 });
    manager = await startManager();
  }, 300_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
  }, 180_000);

  const children = async () =>
    ((await custom.listNamespacedCustomObject({ ...v1, plural: "helloworldchaos", namespace: ns, labelSelector: "managed-by=every-few-seconds" })) as { items: Obj[] }).items;
  const slotOf = (o: Obj) => Date.parse(o.metadata!.annotations![slotAnnotation]!);

  it("a manager SIGKILL and restart neither runs a slot twice nor loses a run; deleting the Schedule recovers its children", async () => {
    const schedule = (await custom.createNamespacedCustomObject({
      ...v1,
      plural: "schedules",
      namespace: ns,
      body: {
        apiVersion: "chaos-mesh.org/v1alpha1",
        kind: "Schedule",
        metadata: { name: "every-few-seconds" },
        spec: {
          schedule: `*/${periodS} * * * * *`,
          type: "HelloWorldChaos",
          concurrencyPolicy: "Allow",
          historyLimit: 100,
          helloWorldChaos: { mode: "all", selector: { labelSelectors: { app: "target" } } },
        },
      },
    })) as Obj;

    // runs on time, each a real experiment on the target's container, owned by the Schedule
    const before = await eventually("three runs", async () => ((await children()).length >= 3 ? children() : undefined));
    for (const child of before) {
      expect(child.metadata!.ownerReferences).toEqual([expect.objectContaining({ kind: "Schedule", name: "every-few-seconds", uid: schedule.metadata!.uid, controller: true })]);
      expect(slotOf(child) % (periodS * 1000)).toBe(0);
    }
    await eventually("the first run injected", async () =>
      (await children()).some((c) => c.status?.conditions?.some((k) => k.type === "AllInjected" && k.status === "True")) ? true : undefined,
    );

    // SIGKILL, miss at least two slots, start again
    await manager!.kill();
    const killedAt = Date.now();
    const atKill = await children();
    await new Promise((r) => setTimeout(r, 2.5 * periodS * 1000));
    manager = await startManager(); // resolves once it leads (the killed one's Lease must expire first)
    const restartedAt = Date.now();
    const after = await eventually("three runs after the restart", async () => {
      const now = await children();
      return now.filter((c) => slotOf(c) > restartedAt).length >= 3 ? now : undefined;
    });

    const slots = after.map(slotOf);
    expect(new Set(slots).size).toBe(slots.length); // no slot run twice
    for (const child of atKill) expect(after.map((c) => c.metadata!.name)).toContain(child.metadata!.name); // nothing spawned before is lost
    const lastBeforeKill = Math.max(...atKill.map(slotOf));
    // the downtime's missed slots: at most one run for the whole window (its latest slot at the
    // first reconcile, as CronJob does; none when that first reconcile came after a new slot)
    const missed = slots.filter((s) => s > lastBeforeKill && s <= restartedAt);
    expect(missed.length).toBeLessThanOrEqual(1);
    expect(restartedAt - killedAt).toBeGreaterThan(2 * periodS * 1000); // at least two slots were missed
    const first = Math.min(...slots.filter((s) => s > lastBeforeKill));
    expect(first).toBeLessThanOrEqual(restartedAt + periodS * 1000); // the schedule resumed at once
    const status = (await custom.getNamespacedCustomObject({ ...v1, plural: "schedules", namespace: ns, name: "every-few-seconds" })) as Obj;
    expect(Date.parse(String(status.status?.["time"]))).toBeGreaterThan(restartedAt);

    // deleting the Schedule: the API server's garbage collector deletes the children, the manager recovers them
    await custom.deleteNamespacedCustomObject({ ...v1, plural: "schedules", namespace: ns, name: "every-few-seconds" });
    await eventually("every child gone", async () => ((await children()).length === 0 ? true : undefined), 180_000);
  }, 420_000);
});
