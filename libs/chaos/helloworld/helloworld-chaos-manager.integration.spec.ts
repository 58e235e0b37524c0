import { CoreV1Api } from "@kubernetes/client-node";
import type { Record } from "@faultline/api";
import { kindOf, oneShotOf, selectorKindOf, selectorsOf, type ChaosObject } from "@faultline/impl-registry";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { createKubernetesPodSource } from "@faultline/selector";
import { SimulatedKubelet, createTestNamespace, localCluster } from "@faultline/test-ground";
import { helloWorldChaos } from "./helloworld-chaos.js";
import type { HelloWorldChaos } from "./helloworld-chaos-crd.js";
import { helloWorldChaosDaemon } from "./helloworld-chaos-daemon.js";
import { startKindTestDaemon, type KindTestDaemon } from "../kind-daemon.test-support.js";

// The kind's manager impl through the real path: a pod on the real API server whose container
// runs for real, the record decoder reading it, a pooled gRPC client reaching a real daemon server.
describe("helloWorldChaos on the manager", () => {
  let daemon: KindTestDaemon;
  let logLines: KindTestDaemon["lines"];
  let core: CoreV1Api;
  let kubelet: SimulatedKubelet;
  let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
  let pool: ReturnType<typeof createDaemonClientPool>;

  beforeAll(async () => {
    const { kubeConfig } = await localCluster("api-only");
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kubeConfig, "hw-kind");
    kubelet = new SimulatedKubelet(core);
    daemon = await startKindTestDaemon("HelloWorldChaos", helloWorldChaosDaemon);
    logLines = daemon.lines;
    pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
  }, 120_000);

  afterAll(async () => {
    pool?.close();
    await daemon?.stop();
    await kubelet?.cleanup();
    await namespace?.remove();
  }, 60_000);

  const chaos = (): HelloWorldChaos & ChaosObject => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "HelloWorldChaos",
    metadata: { name: "hello", namespace: namespace.name },
    spec: { selector: { namespaces: [namespace.name] }, mode: "all" },
  });
  const kindUnderTest = () => {
    const pods = createKubernetesPodSource(core);
    return kindOf(helloWorldChaos, { decoder: createRecordDecoder({ pods, daemons: pool }), pods, core, log: () => {}, settings: {} });
  };
  const ctx = () => ({ signal: new AbortController().signal, namespacedName: `${namespace.name}/hello` });
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });

  it("is a one-shot container kind reading its inline selector", () => {
    const kind = kindUnderTest();
    expect(kind).toMatchObject({ kind: "HelloWorldChaos", plural: "helloworldchaos" });
    expect([oneShotOf(kind, chaos()), selectorKindOf(kind, chaos())]).toEqual([true, "container"]);
    expect(selectorsOf(kind, chaos())).toEqual([{ key: ".", selector: { selector: { namespaces: [namespace.name] }, mode: "all" } }]);
  });

  it("Apply runs ExecHelloWorldChaos in the record's container on its node's daemon", async () => {
    await kubelet.runPod({ namespace: namespace.name, name: "busybox-0", containers: [{ name: "busybox", command: ["sleep", "4242"] }] });
    const kind = kindUnderTest();
    const records = [record(`${namespace.name}/busybox-0/busybox`)];
    await expect(kind.impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    const output = logLines.find((l) => l["message"] === "cmd output");
    expect(output?.["namespacedName"]).toBe(`${namespace.name}/hello`);
    expect(String(output?.["output"])).toMatch(/^\s*1 root\s+(\S+\s+)?sleep 4242$/m);
    await expect(kind.impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
  }, 60_000);

  it("Apply fails clearly for a container the pod does not have, calling no daemon", async () => {
    const kind = kindUnderTest();
    const before = logLines.length;
    await expect(kind.impl.apply(ctx(), 0, [record(`${namespace.name}/busybox-0/sidecar`)], chaos())).rejects.toThrow(/sidecar/);
    expect(logLines.length).toBe(before);
  }, 60_000);
});
