// Who leads: with --leader-elect, the holder of the manager's Lease; a leader that loses it exits.
import { LeaderElector, deploymentOwnerReference, type Logger, type TokenBucket } from "@faultline/controller";
import { AppsV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { ManagerClients } from "./manager-clients.js";
import type { ManagerConfig } from "./manager-config.js";

/**
 * The Lease elector that runs `lead` while this process holds the Lease (`undefined` without
 * `--leader-elect`: the caller leads at once). Losing the Lease, other than on shutdown, exits the
 * process (status 1): another replica leads from then on, and this one must not act on stale state;
 * a fresh start re-elects.
 */
export function createManagerLeadership(deps: {
  config: ManagerConfig;
  kubeConfig: KubeConfig;
  clients: Pick<ManagerClients, "api">;
  bucket: TokenBucket;
  identity: string;
  logger: Logger;
  lead: (signal: AbortSignal) => Promise<void>;
  shuttingDown: AbortSignal;
}): LeaderElector | undefined {
  const { config, logger } = deps;
  if (!config.leaderElect) return undefined;
  return new LeaderElector({
    kubeConfig: deps.kubeConfig,
    leaseNamespace: config.namespace,
    leaseName: config.leaseName,
    ...(config.leaseOwnerDeployment !== undefined && {
      leaseOwner: () => deploymentOwnerReference(deps.clients.api(AppsV1Api), config.namespace, config.leaseOwnerDeployment!),
    }),
    identity: deps.identity,
    rateLimiter: deps.bucket,
    logger,
    onStartedLeading: (signal) => void deps.lead(signal),
    onStoppedLeading: () => {
      if (!deps.shuttingDown.aborted) {
        logger.error("lost leadership: exiting so that a fresh start re-elects");
        process.exit(1);
      }
    },
  });
}
