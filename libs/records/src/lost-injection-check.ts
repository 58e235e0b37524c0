import type { Record } from "@faultline/api";
import { type ChaosImplContext, type ChaosKind, type ChaosObject } from "@faultline/impl-registry";
import { namespacedNameOf } from "@faultline/daemon-client";
import type { SendEvent } from "./event-sender.js";
import { errorMessage } from "./record-key.js";

/** What one {@link LostInjectionCheck.check} found: records to apply again, and when to check next. */
export interface LostInjections {
  /** Indexes of Injected records, not already due, whose injection is gone. */
  reapply: Set<number>;
  /** How long until the next check; absent when the object is not checked. */
  waitMs?: number;
}

/**
 * A running experiment whose kind can lose an injection (its target recreated: a new pod, so a new
 * network namespace) is asked, at most every `intervalMs`, which Injected records lost it, to apply
 * those again. When each object was last asked is the only state the pipeline keeps between
 * reconciles; it is forgotten once the object stops.
 */
export class LostInjectionCheck {
  readonly #checkedAt = new Map<string, number>(); // object uid → last check
  readonly #intervalMs: number;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  async check(input: {
    kind: ChaosKind;
    obj: ChaosObject;
    records: readonly Record[];
    /** Records the wave takes anyway. */
    due: readonly number[];
    /** The desired phase is Run and the object is not being deleted. */
    running: boolean;
    ctx: ChaosImplContext;
    send: SendEvent;
    now: number;
  }): Promise<LostInjections> {
    const { kind, obj, records, now } = input;
    const uid = obj.metadata.uid ?? input.ctx.namespacedName;
    const reapply = new Set<number>();
    if (!input.running) {
      this.#checkedAt.delete(uid);
      return { reapply };
    }
    if (!kind.impl.lostInjections || !records.some((r) => r.phase === "Injected")) return { reapply };
    const last = this.#checkedAt.get(uid) ?? -Infinity;
    if (now - last < this.#intervalMs) return { reapply, waitMs: last + this.#intervalMs - now };
    this.#checkedAt.set(uid, now);
    try {
      for (const index of await kind.impl.lostInjections(input.ctx, structuredClone(records), obj)) {
        if (records[index]?.phase === "Injected" && !input.due.includes(index)) reapply.add(index);
      }
    } catch (error) {
      input.send(obj, "Warning", "Failed", `Failed to check which records lost their injection: ${errorMessage(error)}`);
    }
    return { reapply, waitMs: this.#intervalMs };
  }
}
