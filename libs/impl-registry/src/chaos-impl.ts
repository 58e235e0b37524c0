import type { Record, RecordPhase } from "@faultline/api";
import type { ChaosObject } from "./chaos-object.js";

/** What the pipeline hands to every apply and recover call besides the record. */
export interface ChaosImplContext {
  /** Aborted when the manager shuts down; pass it to daemon calls. */
  signal: AbortSignal;
  /** `namespace/name` of the chaos object, already sent as `namespaced-name` by pooled daemon clients. */
  namespacedName: string;
}

/**
 * A chaos kind's manager side: inject into (apply) or undo on (recover) one record, the target at
 * `records[index]`, and answer the record's new phase. Chaos Mesh's shape, so kinds port directly.
 *
 * `records` is a frozen snapshot, one for every call of a wave: read it, never change it.
 *
 * Return `"Injected"` / `"Not Injected"` when done; kinds whose injection has steps may return a
 * sub-phase (`"Injected/Step"`) and are called again. Throwing leaves the phase unchanged: the
 * pipeline records a Failed event and retries that record with backoff.
 *
 * @example
 * const impl: ChaosImpl = {
 *   async apply(ctx, index, records) { await daemonFor(records[index]!.id).execHelloWorldChaos(...); return "Injected"; },
 *   async recover() { return "Not Injected"; },
 * };
 */
export interface ChaosImpl<T extends ChaosObject = ChaosObject> {
  apply(ctx: ChaosImplContext, index: number, records: readonly Record[], obj: T): Promise<RecordPhase>;
  recover(ctx: ChaosImplContext, index: number, records: readonly Record[], obj: T): Promise<RecordPhase>;
  /**
   * Optional, for kinds whose injection lives in the target and is lost when the target is
   * recreated under the same name (a new pod, so a new network namespace): the indexes of Injected
   * records whose injection is gone. While the experiment runs, the pipeline asks every few seconds
   * and applies those records again.
   */
  lostInjections?(ctx: ChaosImplContext, records: readonly Record[], obj: T): Promise<number[]>;
}
