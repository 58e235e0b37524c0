import { KubeConfig } from "@kubernetes/client-node";
import { Registry } from "prom-client";
import { LeaderElector, ResilientWatch, TokenBucket, WorkQueue, objectKeyString, type ObjectKey } from "@faultline/controller";

export interface ControllerSettings {
  kubeconfigPath: string;
  /** The custom resource to reconcile. */
  group: string;
  version: string;
  plural: string;
  /** Where the leader-election Lease lives. */
  leaseNamespace: string;
  identity: string;
  /** Level-based: read the object, compare, act. Throwing retries the key with backoff. */
  reconcile: (key: ObjectKey) => Promise<void>;
}

/** One controller, the way the manager composes one per chaos kind. Resolves to a stop function. */
export async function startController(settings: ControllerSettings): Promise<() => Promise<void>> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(settings.kubeconfigPath);
  const rateLimiter = new TokenBucket({ qps: 20, burst: 30 }); // shared by every client of the process
  const registry = new Registry(); // served on /metrics by the manager

  const queue = new WorkQueue<ObjectKey>({
    name: settings.plural,
    workers: 4,
    keyString: objectKeyString,
    registry,
    reconcile: (key) => settings.reconcile(key),
  });
  const watch = new ResilientWatch({
    kubeConfig,
    group: settings.group,
    version: settings.version,
    plural: settings.plural,
    rateLimiter,
    handler: (event) => queue.add(event.key),
  });
  const elector = new LeaderElector({
    kubeConfig,
    identity: settings.identity,
    leaseName: `${settings.plural}-controller`,
    leaseNamespace: settings.leaseNamespace,
    rateLimiter,
    onStartedLeading: async (signal) => {
      await watch.start(); // the queue fills with every existing object
      queue.start();
      signal.addEventListener("abort", () => void queue.shutdown());
    },
  });
  void elector.run();

  return async () => {
    await elector.stop(); // aborts the leader's signal and releases the lease
    await watch.stop();
    await queue.shutdown();
  };
}
