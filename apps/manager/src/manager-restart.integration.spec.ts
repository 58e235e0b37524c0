import type { HelloWorldChaos } from "@faultline/chaos/helloworld";
import type { AppProcess } from "@faultline/test-ground";
import { freePort, startSimulatedGround, startTestManager, type SimulatedGround } from "./manager-processes.test-support.js";

// Restart safety on real parts: SIGKILL the manager while it applies a 20-container experiment,
// start a new one, and check that the experiment completes and that deleting it still recovers
// every record. (Pods as in manager.spec.ts: real containers, status written by SimulatedKubelet.)
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pods = 20;

describe("manager restart safety", () => {
  let ground: SimulatedGround;
  let manager: AppProcess | undefined;

  beforeAll(async () => {
    ground = await startSimulatedGround("restart");
    for (let i = 0; i < pods; i++) await ground.kubelet.runPod({ namespace: ground.ns.name, name: `busybox-${i}`, labels: { app: "busybox" } });
  }, 240_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
  }, 120_000);

  it("completes after a SIGKILL mid-apply, and deletion still recovers every record", async () => {
    const start = async () =>
      startTestManager({ kubeconfigPath: ground.kubeconfigPath, namespace: ground.ns.name, daemonSocket: ground.daemonSocket, httpPort: await freePort(), extraArgs: ["--parallelism", "1"] });
    manager = await start();
    await ground.custom.createNamespacedCustomObject({
      ...group,
      namespace: ground.ns.name,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { name: "twenty" }, spec: { selector: { namespaces: [ground.ns.name] }, mode: "all" } },
    });
    // kill it in the middle: after some records were applied, before all of them
    await manager.waitFor((l) => l.message === "Apply helloworld chaos" && manager!.lines.filter((x) => x.message === l.message).length >= 5, 60_000);
    await manager.kill();
    const applied = (await ground.custom.getNamespacedCustomObject({ ...group, namespace: ground.ns.name, name: "twenty" })) as HelloWorldChaos;
    const injectedBefore = (applied.status?.experiment?.containerRecords ?? []).filter((r) => r.phase === "Injected").length;
    expect(injectedBefore).toBeLessThan(pods);

    manager = await start();
    let obj: HelloWorldChaos | undefined;
    for (let i = 0; i < 300; i++) {
      obj = (await ground.custom.getNamespacedCustomObject({ ...group, namespace: ground.ns.name, name: "twenty" })) as HelloWorldChaos;
      if (obj.status?.conditions?.some((c) => c.type === "AllInjected" && c.status === "True")) break;
      await sleep(200);
    }
    const records = obj!.status!.experiment!.containerRecords!;
    if (!records.every((r) => r.phase === "Injected")) {
      console.log(JSON.stringify(obj!.status, null, 1).slice(0, 3000));
      console.log(manager.lines.slice(-20).map((l) => JSON.stringify(l)).join("\n"));
    }
    expect(records).toHaveLength(pods);
    expect(records.every((r) => r.phase === "Injected")).toBe(true);

    await ground.custom.deleteNamespacedCustomObject({ ...group, namespace: ground.ns.name, name: "twenty" });
    for (let i = 0; i < 300; i++) {
      const gone = await ground.custom.getNamespacedCustomObject({ ...group, namespace: ground.ns.name, name: "twenty" }).then(
        () => false,
        () => true,
      );
      if (gone) break;
      await sleep(200);
    }
    const recovered = new Set(manager.lines.filter((l) => l.message === "Recover helloworld chaos").map((l) => l["id"]));
    expect(recovered.size).toBe(pods);
    await expect(ground.custom.getNamespacedCustomObject({ ...group, namespace: ground.ns.name, name: "twenty" })).rejects.toMatchObject({ code: 404 });
  }, 240_000);
});
