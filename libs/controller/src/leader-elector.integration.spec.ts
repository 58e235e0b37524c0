// Two (or three) electors against the local cluster's real API server, each with its own client.
import { CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig } from "@kubernetes/client-node";
import { abortableDelay } from "./abortable-delay.js";
import { LeaderElector, type LeaderElectorOptions } from "./leader-elector.js";
import { clusterTimeoutMs, localClusterKubeConfig, run, until } from "./local-cluster.test-support.js";

let kubeConfig: KubeConfig;
let leases: CoordinationV1Api;
const namespace = `ctl-${run}-election`;
const electors: LeaderElector[] = [];

beforeAll(async () => {
  ({ kubeConfig } = await localClusterKubeConfig());
  leases = kubeConfig.makeApiClient(CoordinationV1Api);
  await kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
}, clusterTimeoutMs);

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
});

afterAll(async () => {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await leases.deleteCollectionNamespacedLease({ namespace }).catch(() => undefined);
  await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  await abortableDelay(200);
  await core.replaceNamespaceFinalize({ name: namespace, body: { metadata: { name: namespace }, spec: { finalizers: [] } } }).catch(() => undefined);
}, 60_000);

interface Candidate {
  elector: LeaderElector;
  log: string[];
  signal: () => AbortSignal | undefined;
  startedAt: () => number | undefined;
}

let leaseCounter = 0;
const fast = { leaseDurationMs: 2000, renewDeadlineMs: 1500, retryPeriodMs: 250 };

function candidate(identity: string, leaseName: string, options: Partial<LeaderElectorOptions> = {}): Candidate {
  const log: string[] = [];
  let signal: AbortSignal | undefined;
  let startedAt: number | undefined;
  const elector = new LeaderElector({
    kubeConfig,
    identity,
    leaseName,
    leaseNamespace: namespace,
    ...fast,
    onStartedLeading: (s) => {
      signal = s;
      startedAt = performance.now();
      log.push("started");
    },
    onStoppedLeading: () => log.push("stopped"),
    ...options,
  });
  electors.push(elector);
  void elector.run();
  return { elector, log, signal: () => signal, startedAt: () => startedAt };
}

describe("LeaderElector (real API server)", () => {
  test("of two candidates exactly one leads, and the lease names it", async () => {
    const lease = `lease-${++leaseCounter}`;
    const a = candidate("a", lease);
    const b = candidate("b", lease);
    await until(() => a.elector.isLeader || b.elector.isLeader);
    await abortableDelay(3 * fast.retryPeriodMs + fast.leaseDurationMs); // past a lease duration: still one
    expect([a.elector.isLeader, b.elector.isLeader].filter(Boolean)).toHaveLength(1);
    const leader = a.elector.isLeader ? "a" : "b";
    const stored = await leases.readNamespacedLease({ name: lease, namespace });
    expect(stored.spec).toMatchObject({ holderIdentity: leader, leaseDurationSeconds: 2 });
    expect(a.elector.observedLeader).toBe(leader);
    expect(b.elector.observedLeader).toBe(leader);
  });

  test("a leader that stops releases the lease and the other takes over at once", async () => {
    const lease = `lease-${++leaseCounter}`;
    const a = candidate("a", lease);
    await until(() => a.elector.isLeader);
    const b = candidate("b", lease);
    await abortableDelay(2 * fast.retryPeriodMs);
    expect(b.elector.isLeader).toBe(false);

    const signal = a.signal()!;
    const stoppedAt = performance.now();
    await a.elector.stop();
    expect(signal.aborted).toBe(true);
    expect(a.log).toEqual(["started", "stopped"]);
    await until(() => b.elector.isLeader, 5000);
    // released: no need to wait for the 2 s lease to expire
    expect(b.startedAt()! - stoppedAt).toBeLessThan(fast.leaseDurationMs);
    const stored = await leases.readNamespacedLease({ name: lease, namespace });
    expect(stored.spec?.holderIdentity).toBe("b");
    expect(stored.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
  });

  test("a leader killed without releasing is replaced only after the lease expires", async () => {
    const lease = `lease-${++leaseCounter}`;
    const a = candidate("a", lease);
    await until(() => a.elector.isLeader);
    const b = candidate("b", lease);
    await abortableDelay(fast.retryPeriodMs);

    const killedAt = performance.now();
    await a.elector.stop({ release: false }); // from the API server's view, a crash: renewals just stop
    expect((await leases.readNamespacedLease({ name: lease, namespace })).spec?.holderIdentity).toBe("a");
    await until(() => b.elector.isLeader, 10_000);
    const waited = b.startedAt()! - killedAt;
    expect(waited).toBeGreaterThanOrEqual(fast.leaseDurationMs - 2 * fast.retryPeriodMs);
    expect(waited).toBeLessThan(fast.leaseDurationMs + 4 * fast.retryPeriodMs + 1000);
  });

  test("a leader whose lease is taken aborts its signal and stops leading", async () => {
    const lease = `lease-${++leaseCounter}`;
    const a = candidate("a", lease);
    await until(() => a.elector.isLeader);
    const stored = await leases.readNamespacedLease({ name: lease, namespace });
    // someone else writes the lease (e.g. an operator, or a partitioned leader's successor)
    await leases.replaceNamespacedLease({
      name: lease,
      namespace,
      body: { metadata: stored.metadata, spec: { ...stored.spec, holderIdentity: "intruder", renewTime: new V1MicroTime(), leaseDurationSeconds: 30 } },
    });
    await until(() => a.signal()!.aborted, 5000);
    expect(a.elector.isLeader).toBe(false);
    await until(() => a.log.includes("stopped"));
    await a.elector.run(); // the term is over
  });

  test("rejects timings that cannot work", () => {
    const base = { kubeConfig, identity: "x", leaseName: "l", leaseNamespace: namespace, onStartedLeading: () => undefined };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1000 })).toThrow(RangeError);
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 3000, renewDeadlineMs: 1000, retryPeriodMs: 1000 })).toThrow(RangeError);
  });
});
