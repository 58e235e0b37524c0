// How the manager reaches the daemons: a static address (local runs) or the daemons' EndpointSlices.
import { createDaemonClientPool, createEndpointSliceDaemonLocator, createStaticDaemonLocator, type DaemonClientPool } from "@faultline/daemon-client";
import { DiscoveryV1Api } from "@kubernetes/client-node";
import { readDaemonTls } from "./daemon-tls.js";
import type { ManagerClients } from "./manager-clients.js";
import type { ManagerConfig } from "./manager-config.js";

/** The daemon client pool: `--daemon-address` for every node, else the `--daemon-service` EndpointSlices; mTLS with `--tls-*`. */
export function createManagerDaemons(config: ManagerConfig, clients: Pick<ManagerClients, "api">): DaemonClientPool {
  const tls = readDaemonTls(config);
  const locator = config.daemonAddress
    ? createStaticDaemonLocator(config.daemonAddress)
    : createEndpointSliceDaemonLocator({ discovery: clients.api(DiscoveryV1Api), namespace: config.namespace, serviceName: config.daemonService });
  return createDaemonClientPool({ locator, ...(tls && { tls }) });
}
