import type { NodeCapabilities } from "@faultline/api";
import type { ChaosDaemonClient } from "./daemon-client-pool.js";

/** How long a node's GetNodeCapabilities answer is used before its daemon is asked again, unless told. */
export const defaultNodeCapabilitiesTtlMs = 30_000;

/**
 * GetNodeCapabilities per node, asked of the node's daemon at most once per `ttlMs`: what a kind's
 * Apply reads to refuse, before sending anything, an injection the node cannot perform. A failed
 * call is not cached (the next Apply asks again).
 *
 * @example
 * const capabilitiesOf = createNodeCapabilitiesCache();
 * const caps = await capabilitiesOf(await decoder.decodePod(recordId, obj), ctx.signal);
 */
export function createNodeCapabilitiesCache(ttlMs = defaultNodeCapabilitiesTtlMs): (target: { nodeName: string; daemon: ChaosDaemonClient }, signal: AbortSignal) => Promise<NodeCapabilities> {
  const answers = new Map<string, { at: number; caps: NodeCapabilities }>();
  return async (target, signal) => {
    const cached = answers.get(target.nodeName);
    if (cached && Date.now() - cached.at < ttlMs) return cached.caps;
    const caps = await target.daemon.getNodeCapabilities({}, { signal });
    answers.set(target.nodeName, { at: Date.now(), caps });
    return caps;
  };
}
