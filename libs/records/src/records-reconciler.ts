import type { ChaosCondition, Record, RecordEvent } from "@faultline/api";
import {
  type ChaosKind,
  type ChaosKindRegistry,
  type ChaosObject,
  durationOf,
  oneShotOf,
  namespacedNameOf,
  resourceOf,
} from "@faultline/impl-registry";
import { deepFreeze } from "@faultline/selector";
import { runBounded } from "./bounded-parallel.js";
import { cleanFinalizerAnnotation, cleanFinalizerForced, recordsFinalizer } from "./chaos-annotations.js";
import { changedConditions, withSelectionFailure } from "./chaos-conditions.js";
import { type ChaosObjectClient, type ChaosResource, updateWithRetry } from "./chaos-object-client.js";
import { computeDesiredPhase, type DesiredPhaseCause } from "./desired-phase.js";
import type { ChaosEvent, EventRecorder } from "./event-recorder.js";
import { type BackoffPolicy, defaultBackoffPolicy, nextAttemptAtMs } from "./retry-backoff.js";
import { defaultStatusCompaction, type StatusCompaction } from "./status-compaction.js";
import { StatusWriteError, StatusWriter, type StatusMutation } from "./status-writer.js";
import { selectionFailureReason, specErrorReasons } from "./selection-failure.js";
import { isTargetGone } from "./target-gone.js";
import type { TargetSelector } from "./target-selector.js";
import { applyOutcome, waveEvents, type WaveOutcome } from "./wave-outcome.js";

/** Which object to reconcile: its kind (as registered) and namespaced name. */
export interface ReconcileRequest {
  kind: string;
  namespace: string;
  name: string;
}

/**
 * What the caller's queue should do next. `requeueAfterMs` absent: nothing until the object changes
 * (a watch event). Present: reconcile again after that long, even without a change (0 means now).
 */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/** A level-based reconciler: read the object, compare with what it asks for, act, answer when to look again. */
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
}

const phaseEvents: { [cause in DesiredPhaseCause]: { reason: string; message: string } } = {
  Running: { reason: "Started", message: "Experiment is running" },
  OneShot: { reason: "Started", message: "Experiment is running (one-shot)" },
  TimeUp: { reason: "TimeUp", message: "Duration has passed; recovering every record" },
  Paused: { reason: "Paused", message: "Experiment is paused; recovering every record" },
  Deleted: { reason: "Deleted", message: "Experiment is being deleted; recovering every record" },
};

/** Sends one Event without waiting for it. */
type Send = (obj: ChaosObject, type: ChaosEvent["type"], reason: string, message: string) => void;

/** Resolves once every promise settled, or after `ms`, whichever comes first. */
async function settledWithin(promises: readonly Promise<unknown>[], ms: number): Promise<void> {
  if (promises.length === 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  try {
    await Promise.race([Promise.allSettled(promises), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** What names a record: its target and its selector (a target two selectors chose has a record for each). */
const recordKey = (r: { id: string; selectorKey: string }) => `${r.selectorKey}\n${r.id}`;

/**
 * The experiment pipeline, one object at a time: finalizer → desired phase → targets (selected once)
 * → apply or recover each record that is due, as one wave (bounded in parallel, each failure
 * retried with backoff, never blocking the others) → conditions → finalizer removal on deletion.
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
  const lostInjectionCheckMs = options.lostInjectionCheckMs ?? 10_000;
  const lostInjectionCheckedAt = new Map<string, number>(); // object uid → last check
  const signal = options.signal ?? new AbortController().signal;
  const eventWaitMs = options.eventWaitMs ?? 5_000;

  // Events are best effort: a recorder that throws (against its contract) must not end a reconcile
  // half-way, nor leave a rejection without an owner.
  const emit = async (obj: ChaosObject, type: ChaosEvent["type"], reason: string, message: string): Promise<void> => {
    try {
      await options.events.record(obj, { type, reason, message });
    } catch {
      // the recorder reports its own failures (EventRecorder's contract); nothing to add here
    }
  };

  const setFinalizer = (resource: ChaosResource, obj: ChaosObject, present: boolean) =>
    updateWithRetry(
      options.objects,
      resource,
      obj,
      (copy) => {
        const finalizers = copy.metadata.finalizers ?? [];
        if (finalizers.includes(recordsFinalizer) === present) return false;
        copy.metadata.finalizers = present ? [...finalizers, recordsFinalizer] : finalizers.filter((f) => f !== recordsFinalizer);
        return true;
      },
      (copy) => options.objects.replace(resource, copy),
    );

  // Events never hold the pipeline: each is sent at once and the reconcile goes on; when it ends, it
  // waits for them at most eventWaitMs. Awaiting each in turn made a reconcile last minutes while the
  // API server hung requests (an outage, a frozen server): every Event waited for its request timeout.
  async function reconcile(request: ReconcileRequest): Promise<ReconcileResult> {
    const sent: Promise<void>[] = [];
    const send: Send = (obj, type, reason, message) => void sent.push(emit(obj, type, reason, message));
    try {
      return await reconcileObject(request, send);
    } finally {
      await settledWithin(sent, eventWaitMs);
    }
  }

  async function reconcileObject(request: ReconcileRequest, send: Send): Promise<ReconcileResult> {
    const kind: ChaosKind<any> = options.kinds.get(request.kind);
    const resource = resourceOf(kind);
    let obj = await options.objects.get(resource, request.namespace, request.name);
    if (!obj) return {};
    const deleting = Boolean(obj.metadata.deletionTimestamp);
    const hasFinalizer = (obj.metadata.finalizers ?? []).includes(recordsFinalizer);

    // 1. finalizer: on before anything is injected; a deleted object without it is not ours to hold
    if (deleting && !hasFinalizer) return {};
    if (!deleting && !hasFinalizer) {
      obj = await setFinalizer(resource, obj, true);
      if (!obj) return {};
      send(obj, "Normal", "FinalizerInited", `Finalizer ${recordsFinalizer} added`);
    }
    if (deleting && obj.metadata.annotations?.[cleanFinalizerAnnotation] === cleanFinalizerForced) {
      if (await setFinalizer(resource, obj, false)) {
        send(obj, "Normal", "FinalizerRemoved", `Finalizer removed without recovering (${cleanFinalizerAnnotation}: forced)`);
      }
      return {};
    }

    // 2. desired phase
    const decision = computeDesiredPhase({ metadata: obj.metadata, oneShot: oneShotOf(kind, obj), duration: durationOf(kind, obj), now: now() });
    const writer = new StatusWriter(options.objects, resource, obj, {
      compaction,
      onTooLarge: (tooLarge) =>
        send(tooLarge, "Warning", "StatusTooLarge", "Status does not fit the object size limit even without record events"),
    });
    const conditionsBefore = obj.status?.conditions;
    const requeues: number[] = [];
    if (decision.stopsAtMs !== undefined && !deleting) requeues.push(decision.stopsAtMs - now());

    // Status changes are staged and written together: the desired phase, the records and the marks
    // of the records about to be applied go out in one write before any daemon is called, and a
    // wave's outcomes in one write after it. Each staged change has its owner at once; `commit`
    // fails the reconcile when its write failed (the queue retries the object).
    const writeFailures: unknown[] = [];
    const stage = (mutate: StatusMutation) => void writer.stage(mutate).catch((error: unknown) => void writeFailures.push(error));
    const commit = async () => {
      await writer.flush();
      if (writeFailures.length > 0) throw new StatusWriteError(`${request.namespace}/${request.name}`, writeFailures.splice(0));
    };

    if (obj.status?.experiment?.desiredPhase !== decision.phase) {
      stage((status) => {
        status.experiment = { ...status.experiment, desiredPhase: decision.phase };
      });
      const { reason, message } = phaseEvents[decision.cause];
      send(obj, "Normal", reason, `${message} (desired phase ${decision.phase})`);
    }

    // 3. targets, once: records are created the first time only
    if (writer.current.status?.experiment?.containerRecords === undefined && decision.phase === "Run") {
      let failure: string | undefined;
      let failureReason = "NoPodSelected";
      try {
        const targets = await options.selector.select(kind, obj);
        if (targets.length === 0) failure = "no pod is selected";
        else {
          stage((status) => {
            status.experiment ??= {};
            status.experiment.containerRecords ??= targets.map(
              ({ recordId, selectorKey }): Record => ({ id: recordId, selectorKey, phase: "Not Injected", injectedCount: 0, recoveredCount: 0 }),
            );
          });
          send(obj, "Normal", "Selected", `Selected ${targets.length} target(s): ${targets.map((t) => t.recordId).slice(0, 20).join(", ")}${targets.length > 20 ? ", …" : ""}`);
        }
      } catch (error) {
        failure = errorMessage(error);
        failureReason = selectionFailureReason(error);
      }
      if (failure !== undefined) {
        const reason = failureReason;
        const message = failure;
        // on the condition too (written only when it changes), not only in an Event
        stage((status) => {
          status.conditions = withSelectionFailure(status.conditions, reason, message);
        });
        await commit();
        send(obj, "Warning", "Failed", `Failed to select targets: ${failure}`);
        conditionsEvent(send, writer, conditionsBefore);
        // A spec error cannot heal until the object changes, and a change is a watch event that
        // reconciles it again: no timed retry. Anything else (no pod yet, a container not there
        // yet, the API server) is retried every selectRetryMs.
        const later = requeues.filter((ms) => ms >= 0);
        if (specErrorReasons.has(reason)) return later.length ? { requeueAfterMs: Math.min(...later) } : {};
        return { requeueAfterMs: Math.min(selectRetryMs, ...later) };
      }
    }

    // 4. apply or recover each record that is not where the desired phase wants it
    const records = writer.current.status?.experiment?.containerRecords ?? [];
    const operationFor = (record: Record): RecordEvent["operation"] | undefined => {
      if (decision.phase === "Run" && record.phase !== "Injected") return "Apply";
      if (decision.phase === "Stop" && (record.phase !== "Not Injected" || record.applying)) return "Recover";
      return undefined;
    };
    const due: number[] = [];
    records.forEach((record, index) => {
      const operation = operationFor(record);
      if (!operation) return;
      const wait = nextAttemptAtMs(record, operation, backoff) - now();
      if (wait > 0) requeues.push(wait);
      else due.push(index);
    });

    // 4a. a running experiment whose kind can lose an injection (its target recreated): apply those again
    const reapply = new Set<number>();
    const ctx = { signal, namespacedName: namespacedNameOf(obj) };
    if (decision.phase === "Run" && !deleting && kind.impl.lostInjections && records.some((r) => r.phase === "Injected")) {
      const uid = obj.metadata.uid ?? namespacedNameOf(obj);
      const last = lostInjectionCheckedAt.get(uid) ?? -Infinity;
      if (now() - last >= lostInjectionCheckMs) {
        lostInjectionCheckedAt.set(uid, now());
        try {
          for (const index of await kind.impl.lostInjections(ctx, structuredClone(records), obj)) {
            if (records[index]?.phase === "Injected" && !due.includes(index)) {
              reapply.add(index);
              due.push(index);
            }
          }
        } catch (error) {
          send(obj, "Warning", "Failed", `Failed to check which records lost their injection: ${errorMessage(error)}`);
        }
        requeues.push(lostInjectionCheckMs);
      } else requeues.push(last + lostInjectionCheckMs - now());
    } else if (decision.phase !== "Run" || deleting) lostInjectionCheckedAt.delete(obj.metadata.uid ?? namespacedNameOf(obj));

    // One write before the wave: what was staged so far, and the mark of every record about to be
    // applied. From then on a stop recovers them whatever happens to this process or the write of
    // their outcome; no daemon is called before that write has succeeded.
    const toMark = new Set(due.filter((index) => !reapply.has(index) && operationFor(records[index]!) === "Apply" && !records[index]!.applying).map((index) => recordKey(records[index]!)));
    if (toMark.size > 0) {
      stage((status) => {
        for (const stored of status.experiment?.containerRecords ?? []) if (toMark.has(recordKey(stored))) stored.applying = true;
      });
    }
    await commit();
    if (writer.gone) return {};

    // The wave: every due record applied or recovered, bounded in parallel, each failure its own
    // (it never blocks the others); then one write with every outcome.
    const outcomes: WaveOutcome[] = [];
    let conditionsReported = false;
    // one frozen copy for every call of the wave: a copy per call made a wave of N records cost N²
    // record copies (seconds at 1,000 records, minutes at 10,000)
    const view = deepFreeze(structuredClone(records));
    const target = obj;
    await runBounded(due, parallelism, async (index) => {
      const record = records[index]!;
      const reapplied = reapply.has(index);
      const operation = reapplied ? "Apply" : operationFor(record)!;
      const outcome: WaveOutcome = { id: record.id, selectorKey: record.selectorKey, operation, reapplied, timestamp: "" };
      try {
        outcome.phase =
          operation === "Apply"
            ? await kind.impl.apply(ctx, index, view, target)
            : await kind.impl.recover(ctx, index, view, target);
      } catch (error) {
        if (operation === "Recover" && isTargetGone(error)) {
          outcome.phase = "Not Injected"; // nothing of the experiment is left in a target that no longer exists
          outcome.gone = errorMessage(error);
        } else outcome.failure = errorMessage(error);
      }
      outcome.timestamp = new Date(now()).toISOString();
      outcomes.push(outcome);
    });
    if (outcomes.length > 0) {
      // in the records' order, whatever order the calls ended in: Events name them as the status lists them
      const position = new Map(records.map((r, i) => [recordKey(r), i]));
      outcomes.sort((a, b) => position.get(recordKey(a))! - position.get(recordKey(b))!);
      stage((status) => {
        const byKey = new Map((status.experiment?.containerRecords ?? []).map((r) => [recordKey(r), r]));
        for (const outcome of outcomes) {
          const stored = byKey.get(recordKey(outcome));
          if (stored) applyOutcome(stored, outcome, compaction);
        }
      });
      await commit();
      if (writer.gone) return {};
      // the conditions that changed ride on the wave's first Event instead of an Event of their own
      const changed = changedConditions(conditionsBefore, writer.persisted.status?.conditions ?? []);
      const summary = waveEvents(outcomes, changed.length ? `conditions ${changed.join(", ")}` : undefined);
      if (changed.length && summary.length) conditionsReported = true;
      for (const event of summary) send(target, event.type, event.reason, event.message);
      if (outcomes.some((o) => o.phase?.includes("/"))) requeues.push(0); // a kind with steps: take the next one now
    }

    // exact backoff for the records that failed just now, from what was written
    for (const record of writer.persisted.status?.experiment?.containerRecords ?? []) {
      const operation = operationFor(record);
      if (operation) {
        const at = nextAttemptAtMs(record, operation, backoff);
        if (at > 0) requeues.push(at - now());
      }
    }
    if (!conditionsReported) conditionsEvent(send, writer, conditionsBefore);

    // 5. on deletion, let the object go once every record is recovered
    if (deleting) {
      const all = writer.persisted.status?.experiment?.containerRecords ?? [];
      if (all.every((r) => r.phase === "Not Injected" && !r.applying)) {
        if (await setFinalizer(resource, writer.persisted, false)) {
          send(writer.persisted, "Normal", "FinalizerRemoved", `Every record is recovered; finalizer ${recordsFinalizer} removed`);
        }
        return {};
      }
    }

    const positive = requeues.map((ms) => Math.max(0, Math.ceil(ms)));
    return positive.length ? { requeueAfterMs: Math.min(...positive) } : {};
  }

  function conditionsEvent(send: Send, writer: StatusWriter, before: ChaosCondition[] | undefined) {
    const changed = changedConditions(before, writer.persisted.status?.conditions ?? []);
    if (changed.length) {
      send(writer.persisted, "Normal", "Updated", `Conditions: ${changed.join(", ")}`);
    }
  }

  return { reconcile };
}
