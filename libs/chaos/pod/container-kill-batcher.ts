import { Code, ConnectError } from "@connectrpc/connect";
import type { ChaosDaemonClient } from "@faultline/daemon-client";
import { containerKillManyRequestOf, containerKillRequestOf } from "./pod-chaos-plan.js";

/** Most container ids in one ContainerKillMany (the daemon bounds a repeated field at 1,024). */
export const maxKillsPerCall = 512;

interface PendingKill {
  containerId: string;
  signal: AbortSignal | undefined;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface NodeQueue {
  daemon: ChaosDaemonClient;
  pending: PendingKill[];
}

/**
 * Gathers the container kills asked of one daemon in the same turn of the event loop into one
 * `ContainerKillMany` call (at most {@link maxKillsPerCall} ids each), so that a wave of
 * container-kills costs each node one round trip, and the daemon finds every init process before
 * it kills any. Each caller still gets its own container's answer: resolved when killed, rejected
 * with the ConnectError `ContainerKill` would have thrown for it. A daemon that does not know
 * ContainerKillMany (a Chaos Mesh daemon: Unimplemented) is sent one `ContainerKill` per container,
 * then and from then on.
 *
 * Queues are keyed by the caller's key (node and experiment): the daemon client of the first kill
 * queued under a key carries the whole batch.
 */
export class ContainerKillBatcher {
  private readonly queues = new Map<string, NodeQueue>();
  private readonly oneByOne = new Set<string>();

  kill(key: string, daemon: ChaosDaemonClient, containerId: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.oneByOne.has(key)) return killOne(daemon, containerId, signal);
    return new Promise<void>((resolve, reject) => {
      let queue = this.queues.get(key);
      if (queue === undefined) {
        queue = { daemon, pending: [] };
        this.queues.set(key, queue);
        setImmediate(() => this.flush(key));
      }
      queue.pending.push({ containerId, signal, resolve, reject });
    });
  }

  private flush(key: string): void {
    const queue = this.queues.get(key)!;
    this.queues.delete(key);
    // one container once per call: a second kill of the same id in the turn waits for the first's answer
    const batches: PendingKill[][] = [];
    for (const kill of queue.pending) {
      const batch = batches.find((b) => b.length < maxKillsPerCall && !b.some((k) => k.containerId === kill.containerId));
      if (batch) batch.push(kill);
      else batches.push([kill]);
    }
    for (const batch of batches) void this.send(key, queue.daemon, batch);
  }

  private async send(key: string, daemon: ChaosDaemonClient, batch: PendingKill[]): Promise<void> {
    const live = batch.filter((k) => {
      if (k.signal?.aborted) k.reject(k.signal.reason);
      return !k.signal?.aborted;
    });
    if (live.length === 0) return;
    const signals = [...new Set(live.map((k) => k.signal).filter((s): s is AbortSignal => s !== undefined))];
    try {
      const { results } = await daemon.containerKillMany(
        containerKillManyRequestOf(live.map((k) => k.containerId)),
        signals.length > 0 ? { signal: AbortSignal.any(signals) } : {},
      );
      const byId = new Map(results.map((r) => [r.containerId, r]));
      for (const kill of live) {
        const result = byId.get(kill.containerId);
        if (result === undefined) kill.reject(new ConnectError(`the daemon answered ContainerKillMany without a result for ${kill.containerId}`, Code.Internal));
        else if (result.code === 0) kill.resolve();
        else kill.reject(new ConnectError(result.message, result.code as Code));
      }
    } catch (error) {
      if (ConnectError.from(error).code === Code.Unimplemented) {
        this.oneByOne.add(key);
        await Promise.all(live.map((k) => killOne(daemon, k.containerId, k.signal).then(k.resolve, k.reject)));
        return;
      }
      for (const kill of live) kill.reject(error);
    }
  }
}

function killOne(daemon: ChaosDaemonClient, containerId: string, signal: AbortSignal | undefined): Promise<void> {
  return daemon.containerKill(containerKillRequestOf(containerId), signal ? { signal } : {}).then(() => undefined);
}
