// Two (or three) electors against the local cluster's real API server, each with its own client.
import { AppsV1Api, CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig } from "@kubernetes/client-node";
import { deploymentOwnerReference } from "./deployment-owner-reference.js";
import { abortableDelay } from "./abortable-delay.js";
import { LeaderElector, type LeaderElectorOptions } from "./leader-elector.js";
import { deleteTestNamespace } from "@faultline/test-ground";
import { clusterTimeoutMs, localClusterKubeConfig, run, until } from "./local-cluster.test-support.js";
import { TcpProxy } from "./tcp-proxy.test-support.js";

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
  await leases.deleteCollectionNamespacedLease({ namespace }).catch(() => undefined);
  // waits for the namespace controller; never forces the namespace's finalizer
  await deleteTestNamespace(kubeConfig, namespace);
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
  test("the lease carries the manager Deployment as its owner (the chart e2e checks that uninstall then leaves no lease)", async () => {
    const apps = kubeConfig.makeApiClient(AppsV1Api);
    const deployment = await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: "manager" },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: "manager" } },
          template: { metadata: { labels: { app: "manager" } }, spec: { containers: [{ name: "m", image: "registry.k8s.io/pause:3.6" }] } },
        },
      },
    });
    const lease = `lease-${++leaseCounter}`;
    const a = candidate("a", lease, { leaseOwner: () => deploymentOwnerReference(apps, namespace, "manager") });
    await until(() => a.elector.isLeader);
    const stored = await leases.readNamespacedLease({ name: lease, namespace });
    expect(stored.metadata?.ownerReferences).toEqual([{ apiVersion: "apps/v1", kind: "Deployment", name: "manager", uid: deployment.metadata!.uid }]);

    // an owner that cannot be found (no such Deployment yet): the lease is still taken, without one
    const orphan = `lease-${++leaseCounter}`;
    const b = candidate("b", orphan, { leaseOwner: () => deploymentOwnerReference(apps, namespace, "no-such-deployment") });
    await until(() => b.elector.isLeader);
    expect((await leases.readNamespacedLease({ name: orphan, namespace })).metadata?.ownerReferences).toBeUndefined();
  });

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

  /** A candidate whose API server connection runs through a proxy the test can cut. */
  async function behindProxy(identity: string, lease: string, options: Partial<LeaderElectorOptions> = {}) {
    const server = new URL(kubeConfig.getCurrentCluster()!.server);
    const proxy = new TcpProxy(server.hostname, Number(server.port));
    await proxy.listen();
    const c = candidate(identity, lease, { kubeConfig: proxy.kubeConfig(kubeConfig), ...options });
    return { ...c, proxy };
  }
  const outage = (proxy: TcpProxy, on: boolean) => {
    proxy.refuse(on);
    if (on) proxy.cutAll();
  };

  test("a leader that cannot reach the API server past the renew deadline leads on, and renews when it answers", async () => {
    const lease = `lease-${++leaseCounter}`;
    const a = await behindProxy("a", lease);
    try {
      await until(() => a.elector.isLeader);
      outage(a.proxy, true);
      await abortableDelay(3 * fast.renewDeadlineMs); // well past the deadline and the lease duration
      expect(a.elector.isLeader).toBe(true);
      expect(a.signal()!.aborted).toBe(false);
      outage(a.proxy, false);
      const before = (await leases.readNamespacedLease({ name: lease, namespace })).spec!.renewTime!;
      const renewed = async () => new Date(String((await leases.readNamespacedLease({ name: lease, namespace })).spec!.renewTime)).getTime();
      await until(async () => (await renewed()) > new Date(String(before)).getTime(), 5000, "a renewal");
      expect(a.elector.isLeader).toBe(true);
      expect(a.log).toEqual(["started"]);
    } finally {
      await a.proxy.close();
    }
  }, 20_000);

  test("the first answer after an outage decides: a lease taken meanwhile ends leadership", async () => {
    const lease = `lease-${++leaseCounter}`;
    const a = await behindProxy("a", lease);
    try {
      await until(() => a.elector.isLeader);
      outage(a.proxy, true); // a partition that cuts only a off
      const b = candidate("b", lease);
      await until(() => b.elector.isLeader, 10_000);
      expect(a.signal()!.aborted).toBe(false); // a cannot know yet
      outage(a.proxy, false);
      await until(() => a.signal()!.aborted, 5000, "a's signal aborted");
      await until(() => a.log.includes("stopped"));
      expect(b.elector.isLeader).toBe(true);
    } finally {
      await a.proxy.close();
    }
  }, 20_000);

  test('whenApiUnreachable "give-up" ends leadership at the renew deadline, as client-go does', async () => {
    const lease = `lease-${++leaseCounter}`;
    const a = await behindProxy("a", lease, { whenApiUnreachable: "give-up" });
    try {
      await until(() => a.elector.isLeader);
      outage(a.proxy, true);
      await until(() => a.signal()!.aborted, fast.renewDeadlineMs + 3 * fast.retryPeriodMs + 1000, "a's signal aborted");
      await until(() => a.log.includes("stopped"));
    } finally {
      await a.proxy.close();
    }
  }, 20_000);

  test("rejects timings that cannot work", () => {
    const base = { kubeConfig, identity: "x", leaseName: "l", leaseNamespace: namespace, onStartedLeading: () => undefined };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 1000, renewDeadlineMs: 1000 })).toThrow(RangeError);
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 3000, renewDeadlineMs: 1000, retryPeriodMs: 1000 })).toThrow(RangeError);
  });
});
