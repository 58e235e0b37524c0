import { CoreV1Api } from "@kubernetes/client-node";
import type { Record } from "@faultline/api";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { kindOf, oneShotOf, selectorKindOf, selectorsOf } from "@faultline/impl-registry";
import { createKubernetesPodSource } from "@faultline/selector";
import { SimulatedKubelet, createTestNamespace, localCluster } from "@faultline/test-ground";
import { httpChaos } from "./http-chaos.js";
import type { HTTPChaos } from "./http-chaos-crd.js";
import { startHTTPChaosTestDaemon, type HTTPChaosTestDaemon } from "./http-daemon.test-support.js";

// The kind's manager impl through the real path: a pod on the real API server whose container
// runs for real, the record decoder reading it, a pooled gRPC client reaching a real daemon server.
describe("httpChaos on the manager", () => {
  let daemon: HTTPChaosTestDaemon;
  let core: CoreV1Api;
  let kubelet: SimulatedKubelet;
  let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
  let pool: ReturnType<typeof createDaemonClientPool>;
  const logged: { message: string; fields: { [key: string]: unknown } }[] = [];

  beforeAll(async () => {
    const { kubeConfig } = await localCluster("api-only");
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kubeConfig, "http-kind");
    kubelet = new SimulatedKubelet(core);
    daemon = await startHTTPChaosTestDaemon();
    pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
  }, 120_000);

  afterAll(async () => {
    pool?.close();
    await daemon?.stop();
    await kubelet?.cleanup();
    await namespace?.remove();
  }, 60_000);

  const chaos = (): HTTPChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "HTTPChaos",
    metadata: { name: "example", namespace: namespace.name },
    spec: { selector: { namespaces: [namespace.name] }, mode: "all" },
  });
  const ctx = () => ({ signal: new AbortController().signal, namespacedName: `${namespace.name}/example` });
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });
  const kind = () => {
    const pods = createKubernetesPodSource(core);
    const log = (message: string, fields: { [key: string]: unknown }) => logged.push({ message, fields });
    const deps = { decoder: createRecordDecoder({ pods, daemons: pool }), pods, core, log, settings: {} };
    return kindOf(httpChaos, deps);
  };

  it("is a lasting pod kind reading its inline selector", () => {
    expect(kind()).toMatchObject({ kind: "HTTPChaos", plural: "httpchaos" });
    expect([oneShotOf(kind(), chaos()), selectorKindOf(kind(), chaos())]).toEqual([false, "pod"]);
    expect(selectorsOf(kind(), chaos())).toEqual([{ key: ".", selector: { selector: { namespaces: [namespace.name] }, mode: "all" } }]);
  });

  it("Apply runs ExecHTTPChaos on the record's node's daemon, and Recover runs RecoverHTTPChaos there", async () => {
    await kubelet.runPod({ namespace: namespace.name, name: "busybox-0", containers: [{ name: "busybox", command: ["sleep", "4242"] }] });
    const records = [record(`${namespace.name}/busybox-0`)];
    await expect(kind().impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    const injected = daemon.lines.find((l) => l["message"] === "HTTPChaos injected");
    expect(injected).toMatchObject({ namespacedName: `${namespace.name}/example`, argv: ["true"], pid: expect.any(Number) });
    await expect(kind().impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    const recovered = daemon.lines.find((l) => l["message"] === "HTTPChaos recovered");
    expect(recovered).toMatchObject({ namespacedName: `${namespace.name}/example`, containerId: injected?.["containerId"], pid: injected?.["pid"] });
  }, 60_000);

  it("Apply fails clearly for a pod that is not there", async () => {
    await expect(kind().impl.apply(ctx(), 0, [record(`${namespace.name}/busybox-9`)], chaos())).rejects.toThrow(/busybox-9/);
  }, 60_000);
});
