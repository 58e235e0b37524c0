import type { PlannedStep, Record, RecordPhase } from "@faultline/api";
import type { V1Pod } from "@kubernetes/client-node";
import type { ChaosObject } from "./chaos-object.js";
import type { DaemonClientPool } from "@faultline/daemon-client";

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
 *   async apply(ctx, index, records, obj) {
 *     const { containerId, daemon } = await decoder.decodeContainer(records[index]!.id, obj); // @faultline/daemon-client
 *     await daemon.execHelloWorldChaos({ containerId }, { signal: ctx.signal });
 *     return "Injected";
 *   },
 *   async recover() {
 *     return "Not Injected";
 *   },
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
  /**
   * Optional, for kinds whose injection outlives its experiment when the experiment goes without
   * recovering it (a finalizer removed by hand, the forced-finalizer annotation): finds this kind's
   * injections (from their markers: pod annotations, stressor markers) whose experiment no longer
   * holds them — `ctx.holds` answers false — and recovers them. The manager's sweeper calls it on
   * start and every `--sweep-interval-seconds` while leading. Answers what it swept; an error is
   * logged and the next sweep tries again. With `ctx.dryRun` it only finds them: the same answer,
   * nothing recovered.
   */
  sweep?(ctx: SweepContext): Promise<SweptInjection[]>;
  /**
   * Optional: what apply would do for `records[index]`, without doing it — built by the same
   * request builders and argv builders apply and the daemon use, never a second copy. Read-only
   * calls only (the capability check's GetNodeCapabilities, reads of pods). The plan annotation
   * (`faultline.chaos-mesh.org/plan: "true"`) makes the manager call it instead of apply. A kind
   * without it is planned as {@link UNDESCRIBED_RECORD_PLAN}.
   */
  plan?(ctx: ChaosImplContext, index: number, records: readonly Record[], obj: T): Promise<RecordPlan>;
  /**
   * Optional: how many of the experiment's records one wave may apply or recover at once, instead
   * of the manager's `--parallelism`, for an action whose calls only queue work the impl sends on
   * in batches (PodChaos container-kill: one ContainerKillMany per node). Undefined: `--parallelism`.
   */
  waveParallelism?(obj: T): number | undefined;
}

/** What apply would do for one record: whether its node can, and the steps in order. */
export interface RecordPlan {
  /** Whether the record's node can perform it (the kind's capability check). */
  capable: boolean;
  /** Why not, naming the node and the missing piece. */
  reason?: string;
  steps: PlannedStep[];
}

/** The plan of a record of a kind that has no `plan`. */
export const UNDESCRIBED_RECORD_PLAN: RecordPlan = Object.freeze({
  capable: true,
  steps: Object.freeze([Object.freeze({ on: "daemon" as const, note: "this kind does not describe its steps" })]) as PlannedStep[],
});

/** The experiment an injection's marker names: its uid, and its namespace and name when the marker has them. */
export interface InjectionOwner {
  uid: string;
  namespace?: string;
  name?: string;
}

/** One injection a kind's sweep recovered (or, in a dry run, found and would recover). */
export interface SweptInjection {
  /** The pod it was in (the sweeper records an Event there). */
  pod: { namespace: string; name: string; uid?: string };
  /** The experiment that no longer holds it. */
  owner: InjectionOwner;
  /** What was removed, for the Event and the log: "pod-failure of containers main, sidecar". */
  what: string;
}

/** What the manager's sweeper hands a kind's `sweep`. */
export interface SweepContext {
  /** Aborted when the manager shuts down or stops leading. */
  signal: AbortSignal;
  /**
   * Find only: report what would be swept (the same `SweptInjection`s), recover nothing and write
   * nothing to the targets. The manager's status (`faultline-status`, `orphans`) is built from such
   * a pass. Renewing what is still held (StressChaos's leases) is not a recovery and still happens.
   */
  dryRun: boolean;
  /**
   * Whether the experiment of this kind with `owner.uid` exists now and holds the record `recordId`
   * (records kept in RecordShards included), read from the API server at the time of the call.
   * Read the marker first and ask after: an experiment writes its records before it injects, so an
   * injection seen before the question is held by an experiment that answers true. Any read that
   * fails throws: nothing is swept on a guess.
   */
  holds(owner: InjectionOwner, recordId: string): Promise<boolean>;
  /** Every pod in the cluster, whole metadata (annotations included), as the manager's pod watch has them. */
  listPods(): Promise<V1Pod[]>;
  /** The manager's daemon clients, for kinds whose markers only a node's daemon can list. */
  daemons: DaemonClientPool;
  log(message: string, fields: { [key: string]: unknown }): void;
}
