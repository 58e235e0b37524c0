import { eventually as eventuallyWithin, type AppProcess } from "@faultline/test-ground";
import type { PodChaos } from "@faultline/chaos/pod";
import type { KillSwitch } from "@faultline/api";
import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { freePort, startSimulatedGround, startTestManager, type SimulatedGround } from "./manager-processes.test-support.js";

// The kill switch end to end: the built manager and daemon as processes, the local cluster's API
// server with the generated CRDs (KillSwitch among them), real busybox containers. Engaging
// killswitch/cluster recovers every record of a pod-failure (Paused=True reason KillSwitch; the pods'
// images back), a Schedule spawns nothing
// and a Workflow starts no node; a manager restarted while it is engaged injects nothing; turning it
// off resumes what was running, and an experiment whose duration ran out meanwhile stays stopped.
// The switch is cluster-wide: it is deleted after the spec whatever happens.
const chaos = { group: "chaos-mesh.org", version: "v1alpha1" };
const ks = { group: "faultline.chaos-mesh.org", version: "v1alpha1", plural: "killswitches" };
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) => eventuallyWithin(what, probe, timeoutMs);

type Obj = { metadata: { name: string }; status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } };

describe("the kill switch (killswitch/cluster) end to end", () => {
  let ground: SimulatedGround;
  let manager: AppProcess | undefined;
  let httpPort: number;
  let ns: string;

  const startManager = () => startTestManager({ kubeconfigPath: ground.kubeconfigPath, namespace: ns, daemonSocket: ground.daemonSocket, httpPort });
  const get = async (name: string) => (await ground.custom.getNamespacedCustomObject({ ...chaos, plural: "podchaos", namespace: ns, name })) as PodChaos;
  const podFailure = (name: string, duration: string) => create("podchaos", "PodChaos", name, { action: "pod-failure", mode: "all", selector: { namespaces: [ns] }, duration });
  const images = async () => (await ground.core.listNamespacedPod({ namespace: ns })).items.map((p) => p.spec!.containers[0]!.image).sort();
  const create = (plural: string, kind: string, name: string, spec: object) =>
    ground.custom.createNamespacedCustomObject({ ...chaos, plural, namespace: ns, body: { apiVersion: "chaos-mesh.org/v1alpha1", kind, metadata: { name }, spec } });
  const list = async (plural: string) => ((await ground.custom.listNamespacedCustomObject({ ...chaos, plural, namespace: ns })) as { items: Obj[] }).items;
  const condition = (obj: Obj, type: string) => obj.status?.conditions?.find((c) => c.type === type);
  const killSwitch = async () => (await ground.custom.getClusterCustomObject({ ...ks, name: "cluster" })) as KillSwitch;
  const setSwitch = (engaged: boolean, reason: string) => ground.custom.patchClusterCustomObject({ ...ks, name: "cluster", body: { spec: { engaged, reason } } }, mergePatch);
  const deleteSwitch = () => ground.custom.deleteClusterCustomObject({ ...ks, name: "cluster" }).catch((e: { code?: number }) => (e.code === 404 ? undefined : Promise.reject(e)));
  const phases = async (name: string) => ((await get(name)).status?.experiment?.containerRecords ?? []).map((r) => r.phase);

  beforeAll(async () => {
    ground = await startSimulatedGround("kill-switch");
    ns = ground.ns.name;
    httpPort = await freePort();
    await deleteSwitch(); // none left by an earlier run
    for (const i of [0, 1]) await ground.kubelet.runPod({ namespace: ns, name: `busybox-${i}`, labels: { app: "busybox" }, containers: [{ name: "busybox" }] });
    manager = await startManager();
  }, 180_000);

  afterAll(async () => {
    await deleteSwitch();
    await manager?.stop();
    await ground?.stop();
  }, 120_000);

  it("admits only the name 'cluster'", async () => {
    const refused = await ground.custom
      .createClusterCustomObject({ ...ks, body: { apiVersion: "faultline.chaos-mesh.org/v1alpha1", kind: "KillSwitch", metadata: { name: "other" }, spec: { engaged: true } } })
      .then(
        () => "admitted",
        (e: { body?: string }) => String(e.body),
      );
    expect(refused).toContain("the only KillSwitch is named 'cluster'");
  });

  it("engaged: records recovered, Paused=KillSwitch, no Schedule run, no Workflow node; survives a manager restart; off: resumes, a duration that ran out stays stopped", async () => {
    const originalImages = await images();
    await podFailure("long", "1h");
    await podFailure("short", "12s");
    await eventually("both injected", async () => ((await phases("long")).join() === "Injected,Injected" && (await phases("short")).join() === "Injected,Injected" ? true : undefined));

    // engage (as `faultline stop --all` does: create it)
    await ground.custom.createClusterCustomObject({
      ...ks,
      body: { apiVersion: "faultline.chaos-mesh.org/v1alpha1", kind: "KillSwitch", metadata: { name: "cluster" }, spec: { engaged: true, reason: "incident 4711", engagedBy: "spec" } },
    });
    const recovered = await eventually("the switch's status: every record recovered", async () => {
      const obj = await killSwitch();
      return obj.status?.conditions?.find((c) => c.type === "AllRecovered")?.status === "True" ? obj : undefined;
    });
    expect(recovered.status).toMatchObject({ activeRecords: 0, observedGeneration: recovered.metadata.generation, engagedAt: expect.any(String), recoveredAt: expect.any(String) });
    for (const name of ["long", "short"]) {
      expect(await phases(name)).toEqual(["Not Injected", "Not Injected"]);
      const obj = await get(name);
      expect(obj.status?.experiment?.desiredPhase).toBe("Stop");
      expect(condition(obj as Obj, "Paused")).toMatchObject({ status: "True", reason: "KillSwitch", message: "the kill switch (killswitch/cluster) is engaged: incident 4711" });
    }
    expect(await images()).toEqual(originalImages);

    // nothing new starts: a Schedule every second, a Workflow
    await create("schedules", "Schedule", "every-second", { schedule: "@every 1s", type: "HelloWorldChaos", concurrencyPolicy: "Allow", historyLimit: 10, helloWorldChaos: { mode: "all", selector: { namespaces: [ns] } } });
    await create("workflows", "Workflow", "wf", { entry: "hello", templates: [{ name: "hello", templateType: "HelloWorldChaos", deadline: "1h", helloWorldChaos: { mode: "all", selector: { namespaces: [ns] } } }] });
    const schedule = await eventually("the Schedule paused by the switch", async () => (await list("schedules")).find((s) => condition(s, "Paused")?.reason === "KillSwitch"));
    expect(condition(schedule, "Paused")?.message).toBe("the kill switch (killswitch/cluster) is engaged: incident 4711");
    await eventually("the Workflow held by the switch", async () => (await list("workflows")).find((w) => condition(w, "KillSwitch")?.status === "True"));

    // a manager restarted while engaged starts nothing: an experiment created while it was down is not even selected
    await manager!.stop();
    await podFailure("while-down", "1h");
    manager = await startManager();
    const held = await eventually("the new experiment paused by the switch", async () => {
      const obj = await get("while-down");
      return condition(obj as Obj, "Paused")?.reason === "KillSwitch" ? obj : undefined;
    });
    expect(held.status?.experiment?.desiredPhase).toBe("Stop");
    await new Promise((r) => setTimeout(r, 3000)); // the Schedule's slots pass
    expect(await phases("while-down")).toEqual([]);
    expect(await phases("long")).toEqual(["Not Injected", "Not Injected"]);
    expect(await images()).toEqual(originalImages);
    expect(await list("helloworldchaos")).toEqual([]); // no Schedule run, no Workflow chaos
    expect(await list("workflownodes")).toEqual([]);

    // off: what was running resumes, the experiment whose 12 s ran out stays stopped
    await eventually("the short one's duration over", async () => (Date.parse((await get("short")).metadata.creationTimestamp!) + 12_000 < Date.now() ? true : undefined));
    await setSwitch(false, "resolved");
    await eventually("long and while-down injected again", async () =>
      (await phases("long")).join() === "Injected,Injected" && (await phases("while-down")).join() === "Injected,Injected" ? true : undefined,
    );
    expect(condition((await get("long")) as Obj, "Paused")).toMatchObject({ status: "False", reason: "NotPaused" });
    await eventually("the Schedule spawns again", async () => ((await list("helloworldchaos")).some((o) => o.metadata.name.startsWith("every-second")) ? true : undefined));
    await eventually("the Workflow starts its entry node", async () => ((await list("workflownodes")).length > 0 ? true : undefined));
    const short = await get("short");
    expect(short.status?.experiment?.desiredPhase).toBe("Stop");
    expect(await phases("short")).toEqual(["Not Injected", "Not Injected"]);
    await eventually("the switch's status says it is off", async () => {
      const obj = await killSwitch();
      return obj.status?.conditions?.[0]?.reason === "Disengaged" && obj.status.engagedAt === undefined ? true : undefined;
    });
  }, 240_000);
});
