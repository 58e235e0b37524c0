import { create } from "@bufbuild/protobuf";
import { CoreV1Api } from "@kubernetes/client-node";
import { ExecIOChaosRequestSchema, type Record } from "@faultline/api";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { kindOf, oneShotOf, selectorKindOf, selectorsOf } from "@faultline/impl-registry";
import { createKubernetesPodSource } from "@faultline/selector";
import { SimulatedKubelet, createTestNamespace, localCluster } from "@faultline/test-ground";
import { ioChaos } from "./io-chaos.js";
import type { IOChaos } from "./io-chaos-crd.js";
import { ioCommand } from "./io-chaos-daemon.js";
import { startIOChaosTestDaemon, type IOChaosTestDaemon } from "./io-daemon.test-support.js";

// The kind's manager impl through the real path: a pod on the real API server whose container
// runs for real, the record decoder reading it, a pooled gRPC client reaching a real daemon server.
describe("ioChaos on the manager", () => {
  let daemon: IOChaosTestDaemon;
  let core: CoreV1Api;
  let kubelet: SimulatedKubelet;
  let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
  let pool: ReturnType<typeof createDaemonClientPool>;
  const logged: { message: string; fields: { [key: string]: unknown } }[] = [];

  beforeAll(async () => {
    const { kubeConfig } = await localCluster("api-only");
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kubeConfig, "io-kind");
    kubelet = new SimulatedKubelet(core);
    daemon = await startIOChaosTestDaemon();
    pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
  }, 120_000);

  afterAll(async () => {
    pool?.close();
    await daemon?.stop();
    await kubelet?.cleanup();
    await namespace?.remove();
  }, 60_000);

  const chaos = (): IOChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "IOChaos",
    metadata: { name: "example", namespace: namespace.name },
    spec: { selector: { namespaces: [namespace.name] }, mode: "all", volumePath: "volumePath-value" },
  });
  const ctx = () => ({ signal: new AbortController().signal, namespacedName: `${namespace.name}/example` });
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });
  const kind = () => {
    const pods = createKubernetesPodSource(core);
    const log = (message: string, fields: { [key: string]: unknown }) => logged.push({ message, fields });
    const deps = { decoder: createRecordDecoder({ pods, daemons: pool }), pods, core, log, settings: {} };
    return kindOf(ioChaos, deps);
  };

  it("is a lasting container kind reading its inline selector", () => {
    expect(kind()).toMatchObject({ kind: "IOChaos", plural: "iochaos" });
    expect([oneShotOf(kind(), chaos()), selectorKindOf(kind(), chaos())]).toEqual([false, "container"]);
    expect(selectorsOf(kind(), chaos())).toEqual([{ key: ".", selector: { selector: { namespaces: [namespace.name] }, mode: "all" } }]);
  });

  it("Apply runs ExecIOChaos on the record's node's daemon, and Recover runs RecoverIOChaos there", async () => {
    await kubelet.runPod({ namespace: namespace.name, name: "busybox-0", containers: [{ name: "busybox", command: ["sleep", "4242"] }] });
    const records = [record(`${namespace.name}/busybox-0/busybox`)];
    await expect(kind().impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    const injected = daemon.lines.find((l) => l["message"] === "IOChaos injected");
    expect(injected).toMatchObject({ namespacedName: `${namespace.name}/example`, argv: ioCommand(create(ExecIOChaosRequestSchema, { containerId: String(injected?.["containerId"]), volumePath: "volumePath-value" })), pid: expect.any(Number) });
    // the spec's fields reached the daemon over gRPC
    expect(daemon.lines.find((l) => l["message"] === "ExecIOChaos")?.["request"]).toMatchObject({ volumePath: "volumePath-value" });
    await expect(kind().impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    const recovered = daemon.lines.find((l) => l["message"] === "IOChaos recovered");
    expect(recovered).toMatchObject({ namespacedName: `${namespace.name}/example`, containerId: injected?.["containerId"], pid: injected?.["pid"] });
    expect(daemon.lines.find((l) => l["message"] === "RecoverIOChaos")?.["request"]).toMatchObject({ volumePath: "volumePath-value" });
  }, 60_000);

  it("Apply fails clearly for a pod that is not there", async () => {
    await expect(kind().impl.apply(ctx(), 0, [record(`${namespace.name}/busybox-9/busybox`)], chaos())).rejects.toThrow(/busybox-9/);
  }, 60_000);
});
