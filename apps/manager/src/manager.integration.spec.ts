import { eventually as eventuallyWithin } from "@faultline/test-ground";
import type { CoreV1Event } from "@kubernetes/client-node";
import type { HelloWorldChaos } from "@faultline/chaos/helloworld";
import type { AppProcess } from "@faultline/test-ground";
import { freePort, startSimulatedGround, startTestDaemon, startTestManager, type SimulatedGround } from "./manager-processes.test-support.js";

// End to end on real parts: the local cluster's API server with the generated CRD, the built
// manager and daemon as processes, real busybox containers in the private containerd.
//
// Pods: the api-only cluster runs no kubelet, so SimulatedKubelet (from the test ground) creates
// each pod bound to a node, starts its container for real through CRI and writes pod status as a
// kubelet would. Everything else is the real path: selection reads the API server, the manager
// calls the daemon over gRPC, the daemon enters the real container.
const group = { group: "chaos-mesh.org", version: "v1alpha1", plural: "helloworldchaos" };

const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) => eventuallyWithin(what, probe, timeoutMs);

describe("manager end to end: HelloWorldChaos", () => {
  let ground: SimulatedGround;
  let manager: AppProcess;
  let httpPort: number;

  const get = async (name: string) =>
    (await ground.custom.getNamespacedCustomObject({ ...group, namespace: ground.ns.name, name })) as HelloWorldChaos;
  const create = (name: string, spec: HelloWorldChaos["spec"], annotations?: { [k: string]: string }) =>
    ground.custom.createNamespacedCustomObject({
      ...group,
      namespace: ground.ns.name,
      body: { apiVersion: "chaos-mesh.org/v1alpha1", kind: "HelloWorldChaos", metadata: { name, annotations }, spec },
    });
  const eventsOf = async (name: string): Promise<CoreV1Event[]> =>
    (await ground.core.listNamespacedEvent({ namespace: ground.ns.name, fieldSelector: `involvedObject.name=${name}` })).items;
  const condition = (obj: HelloWorldChaos, type: string) => obj.status?.conditions?.find((c) => c.type === type)?.status;
  const deleteAndWaitGone = async (name: string) => {
    await ground.custom.deleteNamespacedCustomObject({ ...group, namespace: ground.ns.name, name });
    await eventually(`${name} to be deleted`, async () =>
      get(name).then(
        () => undefined,
        (e: { code?: number }) => (e.code === 404 ? true : undefined),
      ),
    );
  };

  beforeAll(async () => {
    ground = await startSimulatedGround("busybox");
    httpPort = await freePort();
    manager = await startTestManager({ kubeconfigPath: ground.kubeconfigPath, namespace: ground.ns.name, daemonSocket: ground.daemonSocket, httpPort });
    for (const i of [0, 1]) {
      await ground.kubelet.runPod({ namespace: ground.ns.name, name: `busybox-${i}`, labels: { app: "busybox" }, containers: [{ name: "busybox" }] });
    }
  }, 180_000);

  afterAll(async () => {
    await manager?.stop();
    await ground?.stop();
  }, 120_000);

  it("the seed's manifest: one record per container, all Injected, each container's own ps in the daemon log", async () => {
    // the seed's manifest, unchanged but for its namespace
    await create("busybox-helloworld-chaos", { selector: { namespaces: [ground.ns.name] }, mode: "all", duration: "1h" });
    const done = await eventually("AllInjected", async () => {
      const obj = await get("busybox-helloworld-chaos");
      return condition(obj, "AllInjected") === "True" ? obj : undefined;
    });
    expect(condition(done, "Selected")).toBe("True");
    expect(done.metadata.finalizers).toContain("chaos-mesh/records");
    const records = done.status!.experiment!.containerRecords!;
    expect(records.map((r) => r.id).sort()).toEqual([`${ground.ns.name}/busybox-0/busybox`, `${ground.ns.name}/busybox-1/busybox`]);
    for (const r of records) {
      expect(r).toMatchObject({ phase: "Injected", injectedCount: 1, selectorKey: "." });
      expect(r.events).toContainEqual(expect.objectContaining({ type: "Succeeded", operation: "Apply" }));
    }
    // an Event per record
    const events = await eventsOf("busybox-helloworld-chaos");
    for (const r of records) expect(events.some((e) => e.message?.includes(r.id))).toBe(true);
    // the manager logged each apply, and the daemon each container's own process list
    for (const r of records) {
      await manager.waitFor((l) => l.message === "Apply helloworld chaos" && l["id"] === r.id);
    }
    const pods = await ground.core.listNamespacedPod({ namespace: ground.ns.name });
    for (const pod of pods.items) {
      const containerId = pod.status!.containerStatuses![0]!.containerID!;
      const output = await ground.daemon.waitFor((l) => l.message === "cmd output" && l["containerId"] === containerId);
      expect(output["namespacedName"]).toBe(`${ground.ns.name}/busybox-helloworld-chaos`);
      expect(String(output["output"])).toMatch(/^\s*1 root\s+(\S+\s+)?sleep 3600$/m);
    }
    // probes and metrics: experiments by kind and phase, apply totals and latency
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
    expect(metrics).toMatch(/faultline_manager_experiments\{kind="HelloWorldChaos",phase="Injected"\} [1-9]/);
    expect(metrics).toMatch(/faultline_manager_record_operations_total\{kind="HelloWorldChaos",operation="apply",result="succeeded"\} [2-9]/);
    expect(metrics).toMatch(/watch_events_total\{resource="helloworldchaos[^"]*",type="add"\} [1-9]/);
    expect(metrics).toMatch(/faultline_manager_record_operation_duration_seconds_count\{kind="HelloWorldChaos",operation="apply",result="succeeded"\} [2-9]/);
    // deleting the object recovers every record, removes the finalizer and the object
    await deleteAndWaitGone("busybox-helloworld-chaos");
  }, 90_000);

  it("zero matching pods: a Failed event 'no pod is selected', no records, nothing injected", async () => {
    await create("nothing-selected", { selector: { namespaces: [ground.ns.name], labelSelectors: { app: "nobody" } }, mode: "all" });
    await eventually("the no-pod event", async () =>
      (await eventsOf("nothing-selected")).find((e) => e.type === "Warning" && /no pod is selected/.test(e.message ?? "")),
    );
    const obj = await get("nothing-selected");
    expect(obj.status?.experiment?.containerRecords ?? []).toHaveLength(0);
    expect(condition(obj, "AllInjected")).not.toBe("True");
    await deleteAndWaitGone("nothing-selected");
  }, 60_000);

  it("a container name no selected pod has is reported clearly", async () => {
    await create("no-such-container", { selector: { namespaces: [ground.ns.name] }, mode: "all", containerNames: ["sidecar"] });
    const event = await eventually("the missing-container event", async () =>
      (await eventsOf("no-such-container")).find((e) => e.type === "Warning" && /sidecar/.test(e.message ?? "")),
    );
    expect(event.message).toMatch(/busybox-\d/);
    await deleteAndWaitGone("no-such-container");
  }, 60_000);

  it("daemon unreachable: Failed events and retries, then done once the daemon is back", async () => {
    await ground.daemon.stop();
    await create("daemon-down", { selector: { namespaces: [ground.ns.name], labelSelectors: { app: "busybox" } }, mode: "one" });
    await eventually("a Failed Apply event", async () => {
      const obj = await get("daemon-down");
      const record = obj.status?.experiment?.containerRecords?.[0];
      return record?.events?.find((e) => e.type === "Failed" && e.operation === "Apply");
    });
    expect(condition(await get("daemon-down"), "AllInjected")).not.toBe("True");
    ground.daemon = (await startTestDaemon(ground.daemonSocket)).daemon;
    await eventually(
      "AllInjected after the daemon came back",
      async () => (condition(await get("daemon-down"), "AllInjected") === "True" ? true : undefined),
      60_000,
    ).catch(async (error: Error) => {
      const status = JSON.stringify((await get("daemon-down")).status);
      const log = manager.lines.slice(-10).map((l) => JSON.stringify(l)).join("\n");
      throw new Error(`${error.message}\nstatus: ${status}\nmanager log:\n${log}`);
    });
    await deleteAndWaitGone("daemon-down");
  }, 120_000);
});
