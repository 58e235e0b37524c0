import { CoreV1Api } from "@kubernetes/client-node";
import type { Record } from "@faultline/api";
import { createDaemonClientPool, createRecordDecoder, createStaticDaemonLocator } from "@faultline/daemon-client";
import { kindOf } from "@faultline/impl-registry";
import { createKubernetesPodSource } from "@faultline/selector";
import { SimulatedKubelet, createTestNamespace, localCluster } from "@faultline/test-ground";
import { heldRecordKey } from "../held-injections/index.js";
import { timeChaos } from "./time-chaos.js";
import type { TimeChaos } from "./time-chaos-crd.js";
import { createTimeSkewHelper, timeSkewKey } from "./time-skew-helper.js";
import { ensureTimeSkewBinary } from "./time-skew-helper.test-support.js";
import { startTimeChaosTestDaemon, type TimeChaosTestDaemon } from "./time-daemon.test-support.js";

// The kind's manager impl through the real path: a pod on the real API server whose container runs
// for real, the record decoder reading it, a pooled gRPC client reaching a real daemon server (its
// real capability probe, the real helper); what the container's process carries read with the
// helper's own `status`.
describe("timeChaos on the manager", () => {
  let capable: TimeChaosTestDaemon;
  let incapable: TimeChaosTestDaemon;
  let core: CoreV1Api;
  let kubelet: SimulatedKubelet;
  let namespace: Awaited<ReturnType<typeof createTestNamespace>>;
  const pools: ReturnType<typeof createDaemonClientPool>[] = [];
  const helper = createTimeSkewHelper({ binary: ensureTimeSkewBinary() });
  const uid = "0b7c2f4e-1d2a-4c3b-9e8f-112233445566";

  beforeAll(async () => {
    const { kubeConfig } = await localCluster("api-only");
    core = kubeConfig.makeApiClient(CoreV1Api);
    namespace = await createTestNamespace(kubeConfig, "time-kind");
    kubelet = new SimulatedKubelet(core);
    capable = await startTimeChaosTestDaemon({ capabilities: { timeSkewHelper: ensureTimeSkewBinary() } });
    incapable = await startTimeChaosTestDaemon({ capabilities: { timeSkewHelper: "/nonexistent/faultline-time-skew" } });
  }, 180_000);

  afterAll(async () => {
    for (const pool of pools) pool.close();
    await capable?.stop();
    await incapable?.stop();
    await kubelet?.cleanup();
    await namespace?.remove();
  }, 60_000);

  const chaos = (): TimeChaos => ({
    apiVersion: "chaos-mesh.org/v1alpha1",
    kind: "TimeChaos",
    metadata: { name: "example", namespace: namespace.name, uid },
    spec: { selector: { namespaces: [namespace.name] }, mode: "all", timeOffset: "-1h30m0.5s", clockIds: ["CLOCK_REALTIME", "CLOCK_MONOTONIC"] },
  });
  const ctx = () => ({ signal: new AbortController().signal, namespacedName: `${namespace.name}/example` });
  const record = (id: string, phase: Record["phase"] = "Not Injected"): Record => ({ id, selectorKey: ".", phase, injectedCount: 0, recoveredCount: 0 });
  const kind = (daemon: TimeChaosTestDaemon) => {
    const pods = createKubernetesPodSource(core);
    const pool = createDaemonClientPool({ locator: createStaticDaemonLocator(`unix:${daemon.socketPath}`) });
    pools.push(pool);
    const deps = { decoder: createRecordDecoder({ pods, daemons: pool }), pods, core, log: () => undefined, settings: {} };
    return kindOf(timeChaos, deps);
  };
  const leaderOf = (daemon: TimeChaosTestDaemon, containerId: string) => {
    const line = daemon.lines.find((l) => l["message"] === "TimeChaos injected" && l["containerId"] === containerId);
    return Number(line?.["leader"]);
  };

  it("Apply sends Chaos Mesh's TimeRequest (offset split toward zero, clock mask, record key as uid) and the process carries it; Recover takes it away", async () => {
    const pod = await kubelet.runPod({ namespace: namespace.name, name: "busybox-0", containers: [{ name: "busybox", command: ["sleep", "4242"] }] });
    const containerId = pod.status!.containerStatuses![0]!.containerID!;
    const recordId = `${namespace.name}/busybox-0/busybox`;
    const records = [record(recordId)];
    const k = kind(capable);
    await expect(k.impl.apply(ctx(), 0, records, chaos())).resolves.toBe("Injected");
    const request = capable.lines.find((l) => l["message"] === "SetTimeOffset")?.["request"];
    expect(request).toEqual({ containerId, sec: "-5400", nsec: "-500000000", clkIdsMask: "3", uid: heldRecordKey(uid, recordId), podContainerName: `${pod.metadata!.uid}:busybox` });
    const leader = leaderOf(capable, containerId);
    expect(await helper.status([leader])).toEqual([{ pid: leader, state: "skewed", entries: [{ key: timeSkewKey(heldRecordKey(uid, recordId)), mask: 3, sec: -5400, nsec: -500_000_000 }] }]);
    records[0]!.phase = "Injected";
    expect(await k.impl.lostInjections!(ctx(), records, chaos())).toEqual([]);
    await expect(k.impl.recover(ctx(), 0, records, chaos())).resolves.toBe("Not Injected");
    expect(await helper.status([leader])).toEqual([{ pid: leader, state: "clean" }]);
    expect(await k.impl.lostInjections!(ctx(), records, chaos())).toEqual([0]);
  }, 120_000);

  it("a node whose daemon cannot skew fails the record naming the node and the reason, touching nothing", async () => {
    const pod = await kubelet.runPod({ namespace: namespace.name, name: "busybox-1", containers: [{ name: "busybox", command: ["sleep", "4243"] }] });
    const records = [record(`${namespace.name}/busybox-1/busybox`)];
    await expect(kind(incapable).impl.apply(ctx(), 0, records, chaos())).rejects.toThrow(
      new RegExp(`^node ${kubelet.nodeName} cannot perform TimeChaos: its daemon lacks time/vdso-skew \\(the time-skew helper's probe failed: .*ENOENT.*\\); nothing was injected$`),
    );
    expect(incapable.lines.filter((l) => l["message"] === "SetTimeOffset")).toEqual([]);
    expect(pod.status?.containerStatuses?.[0]?.containerID).toBeDefined();
  }, 120_000);

  it("Apply fails clearly for a pod that is not there", async () => {
    await expect(kind(capable).impl.apply(ctx(), 0, [record(`${namespace.name}/busybox-9/busybox`)], chaos())).rejects.toThrow(/busybox-9/);
  }, 60_000);
});
