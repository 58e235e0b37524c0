import { killSwitchReason, type KillSwitchState } from "@faultline/api";
import type { ReconcileResult } from "@faultline/controller";
import { type ChaosKind, type ChaosKindRegistry, oneShotOf, resourceOf } from "@faultline/impl-registry";
import { namespacedNameOf } from "@faultline/daemon-client";
import { applyingMarks } from "./applying-marks.js";
import type { ChaosObjectClient } from "./chaos-object-client.js";
import { sendConditionsEvent } from "./conditions-event.js";
import { desiredPhaseStep } from "./desired-phase-step.js";
import { backoffWaits, dueRecords } from "./due-records.js";
import type { EventRecorder } from "@faultline/controller";
import { createEventSender, type SendEvent } from "./event-sender.js";
import { holdFinalizer, releaseFinalizerWhenRecovered } from "./finalizer-step.js";
import { LostInjectionCheck } from "./lost-injection-check.js";
import { planStep } from "./plan-step.js";
import { nextStepWaits, requeueAfter, selectionRetry } from "./requeue.js";
import { type BackoffPolicy, defaultBackoffPolicy } from "./retry-backoff.js";
import { selectTargetsOnce } from "./selection-step.js";
import { createStatusBatch } from "./status-batch.js";
import { defaultStatusCompaction, type StatusCompaction } from "./status-compaction.js";
import type { TargetSelector } from "./target-selector.js";
import { outcomesMutation, runWave } from "./wave.js";
import { reportWave } from "./wave-report.js";

/** Which object to reconcile: its kind (as registered) and namespaced name. */
export interface ReconcileRequest {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * A level-based reconciler: read the object, compare with what it asks for, act, answer when to
 * look again (`requeueAfterMs` absent: nothing until the object changes; present: again after that
 * long even without a change, 0 meaning now) — @faultline/controller's `ReconcileResult`.
 */
export interface Reconciler {
  reconcile(request: ReconcileRequest): Promise<ReconcileResult>;
}

/** Options of {@link createRecordsReconciler}. */
export interface RecordsReconcilerOptions {
  kinds: ChaosKindRegistry;
  objects: ChaosObjectClient;
  selector: TargetSelector;
  events: EventRecorder;
  /** How many records are applied or recovered at once, per object; default 8. */
  parallelism?: number;
  backoff?: BackoffPolicy;
  compaction?: Partial<StatusCompaction>;
  /** When to look again after target selection failed or chose nothing; default 10 s. */
  selectRetryMs?: number;
  /**
   * How often a running experiment of a kind with `lostInjections` is asked which Injected records
   * lost their injection (a recreated pod), to apply them again; default 10 s.
   */
  lostInjectionCheckMs?: number;
  /** Aborted on shutdown; handed to every apply and recover. */
  signal?: AbortSignal;
  /**
   * How long a reconcile waits, when it ends, for the Events it sent (they never hold its work);
   * default 5 s. An Event still in flight after that is left to finish on its own.
   */
  eventWaitMs?: number;
  now?: () => number;
  /**
   * The cluster-wide kill switch now (the manager's KillSwitch cache); absent = never engaged.
   * While engaged every object's desired phase is Stop (cause `KillSwitch`) and its Paused condition
   * says so; the caller queues every object again when it changes.
   */
  killSwitch?: () => KillSwitchState;
}

/**
 * The experiment pipeline, one object at a time, as a short sequence of steps (each in its own file,
 * with its own unit spec): finalizer (`holdFinalizer`) → desired phase (`desiredPhaseStep`) → the plan,
 * with the plan annotation (`planStep`) →
 * targets, selected once (`selectTargetsOnce`) → the records due (`dueRecords`, plus lost
 * injections, `LostInjectionCheck`) → their `applying` marks written (`applyingMarks`) → one wave
 * (`runWave`: bounded in parallel, each failure retried with backoff, never blocking the others)
 * with its outcomes in one write and its Events (`reportWave`) → conditions Event → finalizer
 * removal on deletion (`releaseFinalizerWhenRecovered`) → when to look again (`requeueAfter`).
 *
 * A wave costs two status writes whatever its size: one before it (the desired phase, new records,
 * and an `applying` mark on each record about to be applied, so that a stop recovers it even if
 * this process dies before its outcome is written) and one after it with every outcome. Events
 * summarise a wave (one per kind of success, one per failed record up to a bound); each record's
 * own history is in its status. Timers are computed from persisted timestamps and returned as
 * `requeueAfterMs`, so nothing is lost when the manager restarts.
 *
 * The caller must not reconcile one object twice at the same time (a keyed work queue ensures it).
 */
export function createRecordsReconciler(options: RecordsReconcilerOptions): Reconciler {
  const now = options.now ?? Date.now;
  const backoff = options.backoff ?? defaultBackoffPolicy;
  const compaction = { ...defaultStatusCompaction, ...options.compaction };
  const parallelism = options.parallelism ?? 8;
  const selectRetryMs = options.selectRetryMs ?? 10_000;
  const lostInjections = new LostInjectionCheck(options.lostInjectionCheckMs ?? 10_000);
  const signal = options.signal ?? new AbortController().signal;
  const eventWaitMs = options.eventWaitMs ?? 5_000;
  const { objects } = options;

  async function reconcileObject(request: ReconcileRequest, send: SendEvent): Promise<ReconcileResult> {
    const kind: ChaosKind = options.kinds.get(request.kind);
    const resource = resourceOf(kind);
    const read = await objects.get(resource, request.namespace, request.name);
    const obj = read && (await holdFinalizer(objects, resource, read, send));
    if (!obj) return {};
    const deleting = Boolean(obj.metadata.deletionTimestamp);
    const killSwitch = options.killSwitch?.();
    const batch = createStatusBatch(objects, resource, obj, { compaction, send, killSwitch: () => killSwitch });
    const conditionsBefore = obj.status?.conditions;
    const { phase, stopsAtMs, cause } = desiredPhaseStep(kind, obj, now(), batch.stage, send, killSwitch);
    // the Paused condition follows the switch even when the desired phase does not change
    const pausedBySwitch = conditionsBefore?.some((c) => c.type === "Paused" && c.status === "True" && c.reason === killSwitchReason) ?? false;
    if (pausedBySwitch !== Boolean(killSwitch?.engaged)) batch.stage(() => {});
    const waits = stopsAtMs !== undefined && !deleting ? [stopsAtMs - now()] : [];
    // the plan annotation: status.plan instead of an injection (the desired phase is Stop, cause PlanOnly)
    const planned = await planStep({ kind, obj, selector: options.selector, batch, send, ctx: { signal, namespacedName: namespacedNameOf(obj) }, parallelism, now: now(), retryMs: selectRetryMs });
    if (planned.retryInMs !== undefined) waits.push(planned.retryInMs);

    const selection = await selectTargetsOnce({ kind, obj, phase, selector: options.selector, batch, send });
    if (selection.failureReason !== undefined) {
      sendConditionsEvent(send, conditionsBefore, batch.writer.persisted);
      return selectionRetry(selection.failureReason, waits, selectRetryMs);
    }

    const records = batch.writer.current.status?.experiment?.containerRecords ?? [];
    const { due, waits: backoffWaitsBefore } = dueRecords(records, phase, backoff, now());
    // a one-shot's injection (a killed pod) has nothing to recover: the kill switch only holds what
    // it has not done yet, so turning the switch off does not do again what was done
    if (cause === "KillSwitch" && oneShotOf(kind, obj)) due.length = 0;
    const ctx = { signal, namespacedName: namespacedNameOf(obj) };
    const lost = await lostInjections.check({ kind, obj, records, due, running: phase === "Run" && !deleting, ctx, send, now: now() });
    due.push(...lost.reapply);
    waits.push(...backoffWaitsBefore, ...(lost.waitMs === undefined ? [] : [lost.waitMs]));
    const marks = applyingMarks(records, due, lost.reapply, phase);
    if (marks) batch.stage(marks);
    await batch.commit(); // before any daemon call
    if (batch.writer.gone) return {};

    const outcomes = await runWave({ kind, obj, records, due, reapply: lost.reapply, phase, parallelism, ctx, now });
    let conditionsReported = false;
    if (outcomes.length > 0) {
      batch.stage(outcomesMutation(outcomes, compaction));
      await batch.commit();
      if (batch.writer.gone) return {};
      conditionsReported = reportWave(send, obj, outcomes, conditionsBefore, batch.writer.persisted);
      waits.push(...nextStepWaits(outcomes));
    }
    const written = batch.writer.persisted;
    waits.push(...backoffWaits(written.status?.experiment?.containerRecords ?? [], phase, backoff, now()));
    if (!conditionsReported) sendConditionsEvent(send, conditionsBefore, written);
    if (deleting && (await releaseFinalizerWhenRecovered(objects, resource, written, send))) return {};
    return requeueAfter(waits);
  }

  return {
    async reconcile(request) {
      const events = createEventSender(options.events);
      try {
        return await reconcileObject(request, events.send);
      } finally {
        await events.settled(eventWaitMs);
      }
    },
  };
}
