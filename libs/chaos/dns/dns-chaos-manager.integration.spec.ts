import { create } from "@bufbuild/protobuf";
import { CoreV1Api } from "@kubernetes/client-node";
import { ExecDNSChaosRequestSchema, type Record } from "@faultline/api";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { kindOf, oneShotOf, selectorKindOf, selectorsOf } from "@faultline/impl-registry";
import { createKubernetesPodSource } from "@faultline/selector";
import { SimulatedKubelet, createTestNamespace, localCluster } from "@faultline/test-ground";
import { dnsChaos } from "./dns-chaos.js";
import type { DNSChaos } from "./dns-chaos-crd.js";
import { dnsCommand } from "./dns-chaos-daemon.js";
import { startDNSChaosTestDaemon, type DNSChaosTestDaemon } from "./dns-daemon.test-support.js";

// The kind's manager impl through the real path: a pod on the real API server whose container
// runs for real, the record decoder reading it, a pooled gRPC client reaching a real daemon server.
describe("dnsChaos on the manager", () => {
  let daemon: DNSChaosTestDaemon;
  let core: CoreV1Api;
  let kubelet: SimulatedKubelet;
  let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
  let pool: ReturnType<typeof createDaemonClientPool>;
  const logged: { message: string; fields: { [key: string]: unknown } }[] = [];

  beforeAll(async () => {
    const { kubeConfig } = await localCluster("api-only");
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kubeConfig, "dns-kind");
    kubelet = new SimulatedKubelet(core);
    daemon = await startDNSChaosTestDaemon();
    pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
  }, 120_000);

  afterAll(async () => {
    pool?.close();
    await daemon?.stop();
    await kubelet?.cleanup();
    await namespace?.remove();
  }, 60_000);

  const chaos = (): DNSChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "DNSChaos",
    metadata: { name: "example", namespace: namespace.name },
    spec: { selector: { namespaces: [namespace.name] }, mode: "all", action: "error", patterns: ["api.example.test"] },
  });
  const ctx = () => ({ signal: new AbortController().signal, namespacedName: `${namespace.name}/example` });
  const record = (id: string): Record => ({ id, selectorKey: ".", phase: "Not Injected", injectedCount: 0, recoveredCount: 0 });
  const kind = () => {
    const pods = createKubernetesPodSource(core);
    const log = (message: string, fields: { [key: string]: unknown }) => logged.push({ message, fields });
    const deps = { decoder: createRecordDecoder({ pods, daemons: pool }), pods, core, log, settings: {} };
    return kindOf(dnsChaos, deps);
  };

  it("is a lasting container kind reading its inline selector", () => {
    expect(kind()).toMatchObject({ kind: "DNSChaos", plural: "dnschaos" });
    expect([oneShotOf(kind(), chaos()), selectorKindOf(kind(), chaos())]).toEqual([false, "container"]);
    expect(selectorsOf(kind(), chaos())).toEqual([{ key: ".", selector: { selector: { namespaces: [namespace.name] }, mode: "all" } }]);
  });

  it("Apply runs ExecDNSChaos on the record's node's daemon, and Recover runs RecoverDNSChaos there", async () => {
    await kubelet.runPod({ namespace: namespace.name, name: "busybox-0", containers: [{ name: "busybox", command: ["sleep", "4242"] }] });
    const records = [record(`${namespace.name}/busybox-0/busybox`)];
    await expect(kind().impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    const injected = daemon.lines.find((l) => l["message"] === "DNSChaos injected");
    expect(injected).toMatchObject({ namespacedName: `${namespace.name}/example`, argv: dnsCommand(create(ExecDNSChaosRequestSchema, { containerId: String(injected?.["containerId"]), action: "error", patterns: ["api.example.test"] })), pid: expect.any(Number) });
    // the spec's fields reached the daemon over gRPC
    expect(daemon.lines.find((l) => l["message"] === "ExecDNSChaos")?.["request"]).toMatchObject({ action: "error", patterns: ["api.example.test"] });
    await expect(kind().impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    const recovered = daemon.lines.find((l) => l["message"] === "DNSChaos recovered");
    expect(recovered).toMatchObject({ namespacedName: `${namespace.name}/example`, containerId: injected?.["containerId"], pid: injected?.["pid"] });
    expect(daemon.lines.find((l) => l["message"] === "RecoverDNSChaos")?.["request"]).toMatchObject({ action: "error", patterns: ["api.example.test"] });
  }, 60_000);

  it("Apply fails clearly for a pod that is not there", async () => {
    await expect(kind().impl.apply(ctx(), 0, [record(`${namespace.name}/busybox-9/busybox`)], chaos())).rejects.toThrow(/busybox-9/);
  }, 60_000);
});
