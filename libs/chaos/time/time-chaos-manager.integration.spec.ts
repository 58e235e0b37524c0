import { create } from "@bufbuild/protobuf";
import { CoreV1Api } from "@kubernetes/client-node";
import { ExecTimeChaosRequestSchema, type Record } from "@faultline/api";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { kindOf, oneShotOf, selectorKindOf, selectorsOf } from "@faultline/impl-registry";
import { createKubernetesPodSource } from "@faultline/selector";
import { SimulatedKubelet, createTestNamespace, localCluster } from "@faultline/test-ground";
import { timeChaos } from "./time-chaos.js";
import type { TimeChaos } from "./time-chaos-crd.js";
import { timeCommand } from "./time-chaos-daemon.js";
import { startTimeChaosTestDaemon, type TimeChaosTestDaemon } from "./time-daemon.test-support.js";

// The kind's manager impl through the real path: a pod on the real API server whose container
// runs for real, the record decoder reading it, a pooled gRPC client reaching a real daemon server.
describe("timeChaos on the manager", () => {
  let daemon: TimeChaosTestDaemon;
  let core: CoreV1Api;
  let kubelet: SimulatedKubelet;
  let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
  let pool: ReturnType<typeof createDaemonClientPool>;
  const logged: { message: string; fields: { [key: string]: unknown } }[] = [];

  beforeAll(async () => {
    const { kubeConfig } = await localCluster("api-only");
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kubeConfig, "time-kind");
    kubelet = new SimulatedKubelet(core);
    daemon = await startTimeChaosTestDaemon();
    pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
  }, 120_000);

  afterAll(async () => {
    pool?.close();
    await daemon?.stop();
    await kubelet?.cleanup();
    await namespace?.remove();
  }, 60_000);

  const chaos = (): TimeChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "TimeChaos",
    metadata: { name: "example", namespace: namespace.name },
    spec: { selector: { namespaces: [namespace.name] }, mode: "all", timeOffset: "timeOffset-value", clockIds: ["clockIds-value"] },
  });
  const ctx = () => ({ signal: new AbortController().signal, namespacedName: `${namespace.name}/example` });
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });
  const kind = () => {
    const pods = createKubernetesPodSource(core);
    const log = (message: string, fields: { [key: string]: unknown }) => logged.push({ message, fields });
    const deps = { decoder: createRecordDecoder({ pods, daemons: pool }), pods, core, log, settings: {} };
    return kindOf(timeChaos, deps);
  };

  it("is a lasting container kind reading its inline selector", () => {
    expect(kind()).toMatchObject({ kind: "TimeChaos", plural: "timechaos" });
    expect([oneShotOf(kind(), chaos()), selectorKindOf(kind(), chaos())]).toEqual([false, "container"]);
    expect(selectorsOf(kind(), chaos())).toEqual([{ key: ".", selector: { selector: { namespaces: [namespace.name] }, mode: "all" } }]);
  });

  it("Apply runs ExecTimeChaos on the record's node's daemon, and Recover runs RecoverTimeChaos there", async () => {
    await kubelet.runPod({ namespace: namespace.name, name: "busybox-0", containers: [{ name: "busybox", command: ["sleep", "4242"] }] });
    const records = [record(`${namespace.name}/busybox-0/busybox`)];
    await expect(kind().impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    const injected = daemon.lines.find((l) => l["message"] === "TimeChaos injected");
    expect(injected).toMatchObject({ namespacedName: `${namespace.name}/example`, argv: timeCommand(create(ExecTimeChaosRequestSchema, { containerId: String(injected?.["containerId"]), timeOffset: "timeOffset-value", clockIds: ["clockIds-value"] })), pid: expect.any(Number) });
    // the spec's fields reached the daemon over gRPC
    expect(daemon.lines.find((l) => l["message"] === "ExecTimeChaos")?.["request"]).toMatchObject({ timeOffset: "timeOffset-value", clockIds: ["clockIds-value"] });
    await expect(kind().impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    const recovered = daemon.lines.find((l) => l["message"] === "TimeChaos recovered");
    expect(recovered).toMatchObject({ namespacedName: `${namespace.name}/example`, containerId: injected?.["containerId"], pid: injected?.["pid"] });
    expect(daemon.lines.find((l) => l["message"] === "RecoverTimeChaos")?.["request"]).toMatchObject({ timeOffset: "timeOffset-value", clockIds: ["clockIds-value"] });
  }, 60_000);

  it("Apply fails clearly for a pod that is not there", async () => {
    await expect(kind().impl.apply(ctx(), 0, [record(`${namespace.name}/busybox-9/busybox`)], chaos())).rejects.toThrow(/busybox-9/);
  }, 60_000);
});
