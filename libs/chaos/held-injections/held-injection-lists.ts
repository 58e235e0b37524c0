import { Code, ConnectError } from "@connectrpc/connect";
import type { Record } from "@faultline/api";
import type { KindLog } from "@faultline/chaos-kind";
import { DaemonNotFoundError, RecordDecodeError, type ChaosDaemonClient } from "@faultline/daemon-client";
import type { ChaosImplContext, SweepContext, SweptInjection } from "@faultline/impl-registry";

/** A record's target as a kind decodes it: the node it is on and that node's daemon. */
export interface HeldInjectionTarget {
  nodeName: string;
  daemon: ChaosDaemonClient;
}

/** Whether a daemon error says it does not serve the RPC (an older daemon). */
export function isUnimplemented(err: unknown): boolean {
  return err instanceof ConnectError && err.code === Code.Unimplemented;
}

/**
 * `ChaosImpl.recover` of one record for a kind whose daemon holds the injection under a key: the
 * target decoded (a target that is gone took its injection with it: recovered), then the kind's
 * recover RPC; a daemon that does not serve it (an older one, Unimplemented) never injected it, so
 * nothing is left to remove and no deletion is left stuck. Every outcome is "Not Injected"; any
 * other error is thrown (the pipeline tries again).
 */
export async function recoverHeldRecord<T extends HeldInjectionTarget>(options: {
  ctx: ChaosImplContext;
  recordId: string;
  kind: string;
  log: KindLog;
  decode: (recordId: string) => Promise<T>;
  /** What went with a gone target, for the log: e.g. "its skew went with its processes". */
  goneWith: string;
  recover: (target: T, signal: AbortSignal) => Promise<unknown>;
}): Promise<"Not Injected"> {
  const { ctx, recordId, kind, log } = options;
  log(`Recover ${kind}`, { id: recordId, chaos: ctx.namespacedName });
  let target: T;
  try {
    target = await options.decode(recordId);
  } catch (err) {
    if (err instanceof RecordDecodeError) {
      log(`${kind} target gone: ${options.goneWith}`, { id: recordId, chaos: ctx.namespacedName, reason: err.reason });
      return "Not Injected";
    }
    throw err;
  }
  try {
    await options.recover(target, ctx.signal);
  } catch (err) {
    if (!isUnimplemented(err)) throw err;
    log(`${kind} not served by the node's daemon: nothing was injected there`, { id: recordId, chaos: ctx.namespacedName, node: target.nodeName });
  }
  return "Not Injected";
}

/**
 * `ChaosImpl.lostInjections` for a kind whose daemon holds each record's injection under a key and
 * lists the keys it holds: the Injected records whose target still runs are grouped by node, each
 * node's daemon is asked once (`listKeys`), and the records with a key (`keysOf`: one, or one per
 * part of the injection) it no longer holds are lost (the pipeline injects them again). A target that is gone or not running is skipped (nothing to
 * inject again now); a daemon that does not serve the list RPC cannot tell: none lost there.
 */
export async function lostByHeldKeys(options: {
  ctx: ChaosImplContext;
  records: readonly Record[];
  decode: (recordId: string) => Promise<HeldInjectionTarget>;
  keysOf: (recordId: string) => string[];
  listKeys: (daemon: ChaosDaemonClient, signal: AbortSignal) => Promise<Iterable<string>>;
  log: KindLog;
  kind: string;
}): Promise<number[]> {
  const { ctx, records } = options;
  const byNode = new Map<string, { daemon: ChaosDaemonClient; indexes: number[] }>();
  for (const [index, record] of records.entries()) {
    if (record.phase !== "Injected") continue;
    let target;
    try {
      target = await options.decode(record.id);
    } catch (err) {
      if (err instanceof RecordDecodeError) continue;
      throw err;
    }
    const entry = byNode.get(target.nodeName) ?? { daemon: target.daemon, indexes: [] };
    entry.indexes.push(index);
    byNode.set(target.nodeName, entry);
  }
  const lost: number[] = [];
  for (const [node, { daemon, indexes }] of byNode) {
    let held;
    try {
      held = new Set(await options.listKeys(daemon, ctx.signal));
    } catch (err) {
      if (isUnimplemented(err)) continue;
      throw err;
    }
    const lostHere = indexes.filter((index) => options.keysOf(records[index]!.id).some((key) => !held.has(key)));
    if (lostHere.length > 0) options.log(`${options.kind} injection gone while Injected: injecting again`, { chaos: ctx.namespacedName, node, records: lostHere.length });
    lost.push(...lostHere);
  }
  return lost.sort((a, b) => a - b);
}

/** One key a daemon holds, with what the kind needs to recover and describe it. */
export interface HeldInjection<I> {
  key: string;
  injection: I;
}

/**
 * `ChaosImpl.sweep` for a kind whose daemon holds injections under {@link heldRecordKey}s and lists
 * them: the daemon of every node that runs pods is asked (`list`) — the keys first, the question
 * after, since an experiment writes its records before it injects — and each key of this manager's
 * shape (`parseKey`) whose experiment no longer holds its record is recovered (`recover`). Keys of
 * other shapes are not ours to judge. A node whose daemon cannot be reached or listed is skipped
 * and tried at the next pass; `afterNode` gets the keys still held there (StressChaos renews their
 * leases). With `ctx.dryRun` nothing is recovered: the answer lists what would have been.
 */
export async function sweepHeldKeys<I>(options: {
  ctx: SweepContext;
  kind: string;
  /** The RPC's name, for the log line of a daemon that does not serve it. */
  listRpc: string;
  list: (daemon: ChaosDaemonClient, signal: AbortSignal) => Promise<HeldInjection<I>[]>;
  parseKey: (key: string) => { uid: string; recordId: string } | undefined;
  recover: (daemon: ChaosDaemonClient, held: HeldInjection<I>, signal: AbortSignal) => Promise<void>;
  /** What was removed, for the sweeper's Event: the pod it was in and a description. */
  describe: (recordId: string, held: HeldInjection<I>) => { pod: { namespace: string; name: string }; what: string; fields?: { [key: string]: unknown } };
  afterNode?: (daemon: ChaosDaemonClient, stillHeld: string[], node: string) => Promise<void>;
}): Promise<SweptInjection[]> {
  const { ctx, kind } = options;
  const swept: SweptInjection[] = [];
  const nodes = new Set((await ctx.listPods()).map((p) => p.spec?.nodeName).filter((n): n is string => Boolean(n)));
  const seen = new Set<string>(); // daemons reached under several node names list the same keys
  for (const node of [...nodes].sort()) {
    if (ctx.signal.aborted) break;
    let daemon;
    let listed;
    try {
      daemon = await ctx.daemons.clientFor(node, "faultline/sweep");
      listed = await options.list(daemon, ctx.signal);
    } catch (err) {
      if (err instanceof DaemonNotFoundError) continue;
      const why = isUnimplemented(err) ? `its daemon does not serve ${options.listRpc} (an older daemon)` : (err as Error).message;
      ctx.log(`${kind} sweep skipped a node: tried again at the next pass`, { node, error: why });
      continue;
    }
    const stillHeld: string[] = [];
    for (const held of listed) {
      if (seen.has(held.key)) continue;
      seen.add(held.key);
      const owner = options.parseKey(held.key);
      if (!owner) continue;
      if (await ctx.holds({ uid: owner.uid }, owner.recordId)) {
        stillHeld.push(held.key);
        continue;
      }
      if (!ctx.dryRun) {
        try {
          await options.recover(daemon, held, ctx.signal);
        } catch (err) {
          ctx.log(`${kind} sweep could not recover an injection: tried again at the next pass`, { node, recordKey: held.key, error: (err as Error).message });
          continue;
        }
      }
      const { pod, what, fields } = options.describe(owner.recordId, held);
      ctx.log(ctx.dryRun ? `${kind} sweep found (dry run: left in place)` : `${kind} swept`, { node, recordKey: held.key, ...fields });
      swept.push({ pod, owner: { uid: owner.uid }, what });
    }
    if (options.afterNode && stillHeld.length > 0) await options.afterNode(daemon, stillHeld, node);
  }
  return swept;
}
