import { createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { ChaosDaemon, namespacedNameHeader } from "@faultline/api";
import { withHeader, type DaemonClientPool } from "./daemon-client-pool.js";
import { DaemonNotFoundError } from "./daemon-locator.js";

/** Options of {@link createInMemoryDaemonClientPool}. */
export interface InMemoryDaemonClientPoolOptions {
  /** The nodes that have a daemon; `clientFor` any other node rejects with DaemonNotFoundError. Default: every node. */
  nodes?: readonly string[];
}

/** A {@link DaemonClientPool} whose daemons run in memory, and what it was asked for. */
export interface InMemoryDaemonClientPool extends DaemonClientPool {
  /** Every `clientFor` call, in order. */
  readonly clientsRequested: { nodeName: string; namespacedName: string }[];
}

/**
 * A DaemonClientPool whose clients call the given ChaosDaemon handlers in memory, through Connect's
 * router transport: real serialization, real Connect errors, the `namespaced-name` header on every
 * call, no network. For unit tests of a kind's manager impl; the handlers may be the kind's own
 * daemon handlers or a stand-in that records what it is asked. RPCs without a handler answer
 * Unimplemented, as the daemon does.
 *
 * @example
 * const seen: string[] = [];
 * const daemons = createInMemoryDaemonClientPool({
 *   async execHelloWorldChaos(req, ctx) {
 *     seen.push(`${ctx.requestHeader.get("namespaced-name")} ${req.containerId}`);
 *     return {};
 *   },
 * });
 */
export function createInMemoryDaemonClientPool(
  handlers: Partial<ServiceImpl<typeof ChaosDaemon>>,
  options: InMemoryDaemonClientPoolOptions = {},
): InMemoryDaemonClientPool {
  const transport = createRouterTransport((router) => router.service(ChaosDaemon, handlers as ServiceImpl<typeof ChaosDaemon>));
  const clientsRequested: { nodeName: string; namespacedName: string }[] = [];
  return {
    clientsRequested,
    async clientFor(nodeName, namespacedName) {
      clientsRequested.push({ nodeName, namespacedName });
      if (options.nodes && !options.nodes.includes(nodeName)) {
        throw new DaemonNotFoundError(nodeName, `in-memory pool with daemons on ${options.nodes.join(", ") || "no node"}`);
      }
      return createClient(ChaosDaemon, withHeader(transport, namespacedNameHeader, namespacedName));
    },
    size: () => 0,
    close() {},
  };
}
