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
 * node is the endpoint whose `nodeName` is that node. One list of the slices answers every node for
 * `cacheTtlMs`, and callers that ask while a list is in flight share it: a wave of records on many
 * nodes costs one API call, not one per record. A node missing from a list older than a second is
 * looked up again in a new list (a daemon just started), so a node without a daemon costs at most
 * one list a second.
 */
export function createEndpointSliceDaemonLocator(options: EndpointSliceDaemonLocatorOptions): DaemonLocator & {
  /** Forgets the cached slices (`nodeName` is accepted for compatibility: all are forgotten), e.g. after a connection failure. */
  invalidate(nodeName?: string): void;
} {
  const serviceName = options.serviceName ?? defaultDaemonServiceName;
  const ttl = options.cacheTtlMs ?? 10_000;
  const now = options.now ?? Date.now;
  const missRelistMs = 1_000;
  let cached: { slices: readonly V1EndpointSlice[]; at: number } | undefined;
  let inFlight: Promise<readonly V1EndpointSlice[]> | undefined;
  const slices = async (): Promise<readonly V1EndpointSlice[]> => {
    if (cached && now() - cached.at < ttl) return cached.slices;
    inFlight ??= options.discovery
      .listNamespacedEndpointSlice({ namespace: options.namespace, labelSelector: `${serviceNameLabel}=${serviceName}` })
      .then((list) => {
        cached = { slices: list.items, at: now() };
        return list.items;
      })
      .finally(() => (inFlight = undefined));
    return inFlight;
  };
  return {
    async locate(nodeName) {
      let address = pickDaemonEndpoint(await slices(), nodeName, options.port ?? defaultDaemonPort);
      if (!address && cached && now() - cached.at >= missRelistMs) {
        // maybe a daemon that started after the cached list: look again, at most once a second
        cached = undefined;
        address = pickDaemonEndpoint(await slices(), nodeName, options.port ?? defaultDaemonPort);
      }
      if (!address) {
        throw new DaemonNotFoundError(
          nodeName,
          `no endpoint on that node in the EndpointSlices of Service ${options.namespace}/${serviceName}`,
        );
      }
      return address;
    },
    invalidate() {
      cached = undefined;
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
