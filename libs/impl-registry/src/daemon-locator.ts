import type { DiscoveryV1Api, V1EndpointSlice } from "@kubernetes/client-node";
import { type DaemonAddress, defaultDaemonPort, parseDaemonAddress } from "./daemon-address.js";

/** Finds the address of the daemon that serves a node. */
export interface DaemonLocator {
  locate(nodeName: string): Promise<DaemonAddress>;
}

/** Thrown when no daemon serves a node (no DaemonSet pod there, or it is not in the Service yet). */
export class DaemonNotFoundError extends Error {
  override name = "DaemonNotFoundError";
  constructor(readonly nodeName: string, where: string) {
    super(`no chaos daemon found for node ${nodeName} (${where})`);
  }
}

/** The label EndpointSlices carry to name their Service. */
export const serviceNameLabel = "kubernetes.io/service-name";

/** The chart's headless Service in front of the daemons. */
export const defaultDaemonServiceName = "chaos-daemon";

/**
 * Picks the daemon for `nodeName` from a Service's EndpointSlices: an endpoint whose `nodeName`
 * matches, preferring ready ones, first address, at `port`. `undefined` when none matches.
 */
export function pickDaemonEndpoint(
  slices: readonly V1EndpointSlice[],
  nodeName: string,
  port: number = defaultDaemonPort,
): DaemonAddress | undefined {
  const candidates = slices
    .filter((slice) => slice.addressType === "IPv4" || slice.addressType === "IPv6")
    .flatMap((slice) => slice.endpoints ?? [])
    .filter((endpoint) => endpoint.nodeName === nodeName && (endpoint.addresses?.length ?? 0) > 0);
  const ready = candidates.filter((endpoint) => endpoint.conditions?.ready !== false);
  const chosen = ready[0] ?? candidates[0];
  return chosen ? { kind: "tcp", host: chosen.addresses[0]!, port } : undefined;
}

/** Options of {@link createEndpointSliceDaemonLocator}. */
export interface EndpointSliceDaemonLocatorOptions {
  discovery: DiscoveryV1Api;
  /** The manager's namespace, where the chart installs the daemon Service. */
  namespace: string;
  /** Defaults to `chaos-daemon`. */
  serviceName?: string;
  /** Defaults to 31767. */
  port?: number;
  /** How long a node's address is reused before the slices are listed again; default 10 s. */
  cacheTtlMs?: number;
  now?: () => number;
}

/**
 * Finds daemons through the EndpointSlices of the headless `chaos-daemon` Service: the daemon for a
 * node is the endpoint whose `nodeName` is that node. Answers are cached for `cacheTtlMs`.
 */
export function createEndpointSliceDaemonLocator(options: EndpointSliceDaemonLocatorOptions): DaemonLocator & {
  /** Forgets cached addresses (all, or one node's), e.g. after a connection failure. */
  invalidate(nodeName?: string): void;
} {
  const serviceName = options.serviceName ?? defaultDaemonServiceName;
  const ttl = options.cacheTtlMs ?? 10_000;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { address: DaemonAddress; at: number }>();
  return {
    async locate(nodeName) {
      const cached = cache.get(nodeName);
      if (cached && now() - cached.at < ttl) return cached.address;
      const list = await options.discovery.listNamespacedEndpointSlice({
        namespace: options.namespace,
        labelSelector: `${serviceNameLabel}=${serviceName}`,
      });
      const address = pickDaemonEndpoint(list.items, nodeName, options.port ?? defaultDaemonPort);
      if (!address) {
        throw new DaemonNotFoundError(
          nodeName,
          `no endpoint on that node in the EndpointSlices of Service ${options.namespace}/${serviceName}`,
        );
      }
      cache.set(nodeName, { address, at: now() });
      return address;
    },
    invalidate(nodeName) {
      if (nodeName === undefined) cache.clear();
      else cache.delete(nodeName);
    },
  };
}

/**
 * A locator for local runs: one address for every node (`"127.0.0.1:31767"`, `"unix:/run/d.sock"`),
 * or a map node → address (nodes missing from the map have no daemon). Addresses are checked now.
 */
export function createStaticDaemonLocator(addresses: string | { [nodeName: string]: string }): DaemonLocator {
  if (typeof addresses === "string") {
    const address = parseDaemonAddress(addresses);
    return { locate: async () => address };
  }
  const byNode = new Map(Object.entries(addresses).map(([node, text]) => [node, parseDaemonAddress(text)]));
  return {
    async locate(nodeName) {
      const address = byNode.get(nodeName);
      if (!address) throw new DaemonNotFoundError(nodeName, "not in the static daemon address map");
      return address;
    },
  };
}
