import { isDeepStrictEqual } from "node:util";
import { killSwitchMessage, killSwitchReason, type ChaosStatus, type KillSwitchState } from "@faultline/api";
import type { ChaosObject } from "@faultline/impl-registry";
import { computeConditions, mergeConditions, type PausedBy } from "./chaos-conditions.js";
import { type ChaosObjectClient, type ChaosResource, updateWithRetry } from "./chaos-object-client.js";
import { isPaused, isPlanOnly } from "./desired-phase.js";
import { planOnlyPause } from "./plan.js";
import { defaultStatusCompaction, fitStatus, type StatusCompaction } from "./status-compaction.js";

/**
 * Thrown by a reconcile when status writes failed (API server unreachable, etcd down, a write
 * refused): the object is retried as a whole. `failures` holds each write's error, `cause` the first.
 */
export class StatusWriteError extends Error {
  override name = "StatusWriteError";
  readonly object: string;
  readonly failures: readonly unknown[];

  constructor(object: string, failures: readonly unknown[]) {
    const first = failures[0];
    super(`${failures.length} status write(s) of ${object} failed: ${first instanceof Error ? first.message : String(first)}`, { cause: first });
    this.object = object;
    this.failures = failures;
  }
}

/** A change to an object's status; it may be applied more than once, to fresh copies, on conflicts. */
export type StatusMutation = (status: ChaosStatus, obj: ChaosObject) => void;

/** Options of {@link StatusWriter}. */
export interface StatusWriterOptions {
  compaction?: StatusCompaction;
  /** Told when a status cannot be made to fit, before the (likely refused) write. */
  onTooLarge?: (obj: ChaosObject) => void;
  /** The kill switch now: while engaged, the Paused condition says so (reason `KillSwitch`). */
  killSwitch?: () => KillSwitchState | undefined;
}

/** The Paused condition's cause for an object: the kill switch when engaged, else the plan annotation, else its pause annotation. */
export function pausedBy(obj: ChaosObject, killSwitch: KillSwitchState | undefined): boolean | PausedBy {
  if (killSwitch?.engaged) return { reason: killSwitchReason, message: killSwitchMessage(killSwitch) };
  if (isPlanOnly(obj.metadata)) return planOnlyPause;
  return isPaused(obj.metadata);
}

/**
 * Writes one object's status through the status subresource, batching changes made while a write
 * is in flight into the next write. Every write re-derives the four conditions from the records and
 * compacts events; on a conflict the object is re-read and the same changes applied to it again, so
 * a concurrent writer's changes (another field, another record) are kept.
 */
export class StatusWriter {
  readonly #client: ChaosObjectClient;
  readonly #resource: ChaosResource;
  readonly #options: StatusWriterOptions;
  #persisted: ChaosObject;
  #inFlight: StatusMutation[] = [];
  #pending: Array<{ mutate: StatusMutation; done: { resolve: () => void; reject: (e: unknown) => void } }> = [];
  #loop: Promise<void> | undefined;
  #gone = false;

  constructor(client: ChaosObjectClient, resource: ChaosResource, obj: ChaosObject, options: StatusWriterOptions = {}) {
    this.#client = client;
    this.#resource = resource;
    this.#persisted = obj;
    this.#options = options;
  }

  /** Whether the object disappeared during a write. */
  get gone(): boolean {
    return this.#gone;
  }

  /** The object as it will be once every change so far is written. */
  get current(): ChaosObject {
    return this.#applied(this.#persisted, [...this.#inFlight, ...this.#pending.map((p) => p.mutate)]);
  }

  /** The object as last written (or read). */
  get persisted(): ChaosObject {
    return this.#persisted;
  }

  /** Queues a change and starts writing; resolves once it is written. */
  update(mutate: StatusMutation): Promise<void> {
    const promise = this.stage(mutate);
    this.#startWriting();
    return promise;
  }

  /**
   * Queues a change without writing it yet: staged changes go out together, in one write, at the
   * next {@link flush} (or with the next {@link update}). Resolves once it is written.
   */
  stage(mutate: StatusMutation): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#pending.push({ mutate, done: { resolve, reject } }));
  }

  /** Writes what is staged, and resolves when nothing is left to write. */
  async flush(): Promise<void> {
    if (this.#pending.length) this.#startWriting();
    while (this.#loop) await this.#loop;
  }

  #startWriting(): void {
    this.#loop ??= this.#drain().finally(() => (this.#loop = undefined));
  }

  async #drain(): Promise<void> {
    while (this.#pending.length) {
      const batch = this.#pending.splice(0);
      this.#inFlight = batch.map((p) => p.mutate);
      try {
        if (!this.#gone) {
          const written = await updateWithRetry(
            this.#client,
            this.#resource,
            this.#persisted,
            (copy) => {
              const applied = this.#applied(copy, this.#inFlight);
              // a change that changes nothing is not written: no API call, no watch event to react to
              if (isDeepStrictEqual(applied.status, copy.status)) return false;
              Object.assign(copy, applied);
              return true;
            },
            (copy) => this.#client.replaceStatus(this.#resource, copy),
          );
          if (written) this.#persisted = written;
          else this.#gone = true;
        }
        for (const p of batch) p.done.resolve();
      } catch (error) {
        for (const p of batch) p.done.reject(error);
      } finally {
        this.#inFlight = [];
      }
    }
  }

  #applied(obj: ChaosObject, mutations: readonly StatusMutation[]): ChaosObject {
    const copy = structuredClone(obj);
    copy.status ??= {};
    if (mutations.length === 0) return copy;
    for (const mutate of mutations) mutate(copy.status, copy);
    const records = copy.status.experiment?.containerRecords;
    const paused = pausedBy(copy, this.#options.killSwitch?.());
    copy.status.conditions = mergeConditions(copy.status.conditions, computeConditions(records, paused, copy.status.conditions));
    if (!fitStatus(copy.status, this.#options.compaction ?? defaultStatusCompaction).fits) this.#options.onTooLarge?.(copy);
    return copy;
  }
}
